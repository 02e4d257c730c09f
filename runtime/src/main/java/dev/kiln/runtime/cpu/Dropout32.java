package dev.kiln.runtime.cpu;

import dev.kiln.runtime.Rng;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float inverted dropout with the keep decisions of {@link Rng} computed eight (or however many 64-bit
 * lanes the machine has) at a time.
 *
 * <p>Element {@code i} is kept iff {@code Rng.uniform(seed, i) >= p}. Since uniform is
 * {@code (Rng.bits(seed, i) >>> 40)·2^-24}, that is the integer test
 * {@code bits >>> 40 >= ceil(p·2^24)}, which needs no float conversion. The vector path repeats
 * {@code Rng.bits}'s SplitMix64 arithmetic lane-wise; the tests pin it to {@code Rng.uniform} exactly.
 */
final class Dropout32 {
  private Dropout32() {}

  private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;

  /** Floats with as many lanes as {@link #LS}, so one long mask converts to one float mask. */
  private static final VectorSpecies<Float> FS =
      VectorSpecies.of(float.class, VectorShape.forBitSize(LS.length() * Float.SIZE));

  private static final int N = LS.length();
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final LongVector IOTA = LongVector.zero(LS).addIndex(1);

  /** {@code ceil(p·2^24)}: keep iff {@code bits >>> 40} is at least this. */
  static long threshold(double p) {
    return (long) Math.ceil(p * 0x1p24);
  }

  /** The keep decisions for elements {@code [index, index + N)}. */
  private static VectorMask<Float> keep(long mixedSeed, long index, long th) {
    LongVector z = IOTA.add(index).mul(GOLDEN).add(mixedSeed);
    z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30))
        .mul(0xBF58476D1CE4E5B9L);
    z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27))
        .mul(0x94D049BB133111EBL);
    z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
    return z.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.GE, th).cast(FS);
  }

  static void dropout(int n, double p, long seed, float[] x, int xOff, float[] out, int outOff) {
    Shared.checkP(p);
    if (p == 0) {
      if (x != out || xOff != outOff) {
        Pointwise32.forElements(
            n, (from, to) -> System.arraycopy(x, xOff + from, out, outOff + from, to - from));
      }
      return;
    }
    long th = threshold(p);
    float ks = (float) Shared.keepScale(p);
    long ms = Rng.mix(seed);
    Pointwise32.forElements(n, (from, to) -> {
      FloatVector zero = FloatVector.zero(FS);
      int i = from;
      for (int bound = from + FS.loopBound(to - from); i < bound; i += N) {
        FloatVector kept = FloatVector.fromArray(FS, x, xOff + i).mul(ks);
        zero.blend(kept, keep(ms, i, th)).intoArray(out, outOff + i);
      }
      for (; i < to; i++) {
        out[outOff + i] = (Rng.bits(seed, i) >>> 40) >= th ? x[xOff + i] * ks : 0f;
      }
    });
  }

  static void dropoutBackward(
      int n, double p, long seed, float[] dout, int doutOff, float[] dx, int dxOff) {
    Shared.checkP(p);
    if (p == 0) {
      Pointwise32.accumulate(n, 1.0, dout, doutOff, dx, dxOff);
      return;
    }
    long th = threshold(p);
    float ks = (float) Shared.keepScale(p);
    long ms = Rng.mix(seed);
    Pointwise32.forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + FS.loopBound(to - from); i < bound; i += N) {
        FloatVector g = FloatVector.fromArray(FS, dout, doutOff + i).mul(ks);
        FloatVector.fromArray(FS, dx, dxOff + i).add(g, keep(ms, i, th)).intoArray(dx, dxOff + i);
      }
      for (; i < to; i++) {
        if ((Rng.bits(seed, i) >>> 40) >= th) {
          dx[dxOff + i] += dout[doutOff + i] * ks;
        }
      }
    });
  }

  /**
   * {@code a[off + i] = keep(index + i) ? a[off + i]·ks : 0} for {@code i < n}, where {@code ms} is
   * {@code Rng.mix(seed)}: the attention kernels' dropout of a row of probabilities.
   */
  static void apply(float[] a, int off, int n, long seed, long ms, long index, long th, float ks) {
    FloatVector zero = FloatVector.zero(FS);
    int i = 0;
    for (int bound = FS.loopBound(n); i < bound; i += N) {
      FloatVector kept = FloatVector.fromArray(FS, a, off + i).mul(ks);
      zero.blend(kept, keep(ms, index + i, th)).intoArray(a, off + i);
    }
    for (; i < n; i++) {
      a[off + i] = (Rng.bits(seed, index + i) >>> 40) >= th ? a[off + i] * ks : 0f;
    }
  }
}
