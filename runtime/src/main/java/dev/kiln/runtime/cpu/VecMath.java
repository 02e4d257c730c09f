package dev.kiln.runtime.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane reductions and transcendental functions built only from lane-wise add, multiply and fma, so
 * their results are bit-identical whether HotSpot has compiled the Vector API to SIMD instructions
 * or still runs its Java fallback. {@code reduceLanes(ADD)} leaves the order of a floating-point
 * sum unspecified, and {@code lanewise(EXP)} / {@code (TANH)} call different libraries compiled and
 * interpreted; either would make a training run depend on JIT timing, so an uninterrupted run and a
 * resumed one (a fresh JVM) would drift apart in the last bits.
 */
final class VecMath {
  private VecMath() {}

  private static final VectorSpecies<Float> S = Vec.S;
  private static final int L = Vec.L;

  /** Shuffles pairing lane i with lane i ^ k, for k = L/2, L/4, ..., 1: a fixed summation tree. */
  private static final VectorShuffle<Float>[] HALVES = halves();

  @SuppressWarnings({"unchecked", "rawtypes"}) // generic array creation
  private static VectorShuffle<Float>[] halves() {
    int steps = Integer.numberOfTrailingZeros(L);
    VectorShuffle<Float>[] out = new VectorShuffle[steps];
    for (int s = 0; s < steps; s++) {
      int k = L >> (s + 1);
      out[s] = VectorShuffle.fromOp(S, i -> i ^ k);
    }
    return out;
  }

  private static FloatVector b(float c) {
    return FloatVector.broadcast(S, c);
  }

  /** The sum of the lanes of {@code v}, always added in the same tree order (lane i + lane i ^ k, k = L/2 … 1). */
  static float sum(FloatVector v) {
    // Written out with lane reads for the usual widths: the shuffle loop below is many more nodes
    // for C2, and in a large caller it stops inlining there, boxing every vector it passes.
    if (L == 16) {
      return (((v.lane(0) + v.lane(8)) + (v.lane(4) + v.lane(12)))
              + ((v.lane(2) + v.lane(10)) + (v.lane(6) + v.lane(14))))
          + (((v.lane(1) + v.lane(9)) + (v.lane(5) + v.lane(13)))
              + ((v.lane(3) + v.lane(11)) + (v.lane(7) + v.lane(15))));
    }
    if (L == 8) {
      return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6)))
          + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
    }
    for (VectorShuffle<Float> h : HALVES) {
      v = v.add(v.rearrange(h));
    }
    return v.lane(0);
  }

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer
  private static final float EXP_MAX = 88.0f;
  private static final float EXP_MIN = -87.33654f; // below this exp(x) is under FLT_MIN: 0

  /** e^x per lane (Cephes' expf: range reduction by ln 2, degree-6 polynomial), ~1 ulp. */
  static FloatVector exp(FloatVector x) {
    VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_MIN);
    FloatVector c = x.min(EXP_MAX).max(EXP_MIN);
    FloatVector t = c.fma(LOG2E, ROUND);
    FloatVector n = t.sub(ROUND);
    FloatVector r = n.fma(b(-LN2_HI), c);
    r = n.fma(b(-LN2_LO), r);
    FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
    p = p.fma(r, b(1.3981999507e-3f));
    p = p.fma(r, b(8.3334519073e-3f));
    p = p.fma(r, b(4.1665795894e-2f));
    p = p.fma(r, b(1.6666665459e-1f));
    p = p.fma(r, b(5.0000001201e-1f));
    FloatVector y = p.mul(r).fma(r, r).add(1f);
    // 2^n from n's bits: the low bits of t hold n + 2^22·3; n + 127 shifted into the exponent
    // field.
    IntVector bits = t.reinterpretAsInts()
        .sub(Float.floatToRawIntBits(ROUND))
        .add(127)
        .lanewise(VectorOperators.LSHL, 23);
    FloatVector scale = bits.reinterpretAsFloats();
    return y.mul(scale).blend(0f, under);
  }

  /**
   * tanh per lane: an odd polynomial for |x| < 0.625 (Cephes' tanhf), 1 − 2/(e^{2|x|} + 1) with the
   * sign of x above, ~2 ulp.
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector z = x.mul(x);
    FloatVector p = FloatVector.broadcast(S, -5.70498872745e-3f);
    p = p.fma(z, b(2.06390887954e-2f));
    p = p.fma(z, b(-5.37397155531e-2f));
    p = p.fma(z, b(1.33314422036e-1f));
    p = p.fma(z, b(-3.33332819422e-1f));
    FloatVector small = p.mul(z).fma(x, x);
    FloatVector e = exp(a.mul(2f).min(EXP_MAX));
    FloatVector large =
        FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
    large = large.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
    return large.blend(small, a.compare(VectorOperators.LT, 0.625f));
  }
}
