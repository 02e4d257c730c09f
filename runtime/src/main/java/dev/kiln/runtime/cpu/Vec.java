package dev.kiln.runtime.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-threaded vectorised loops over contiguous float runs: the building blocks the float kernels
 * apply to rows, columns and parallel chunks. Each handles its own scalar tail.
 */
final class Vec {
  private Vec() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  /** {@code y[0:n] += alpha·x[0:n]}. */
  static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    FloatVector va = FloatVector.broadcast(S, alpha);
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      va.fma(FloatVector.fromArray(S, x, xOff + i), FloatVector.fromArray(S, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** {@code out[0:n] = x[0:n] + y[0:n]}. */
  static void add(int n, float[] x, int xOff, float[] y, int yOff, float[] out, int outOff) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i)
          .add(FloatVector.fromArray(S, y, yOff + i))
          .intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = x[xOff + i] + y[yOff + i];
    }
  }

  /** {@code y[0:n] += x[0:n]}. */
  static void addTo(int n, float[] x, int xOff, float[] y, int yOff) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, y, yOff + i)
          .add(FloatVector.fromArray(S, x, xOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += x[xOff + i];
    }
  }

  /** {@code x[0:n] *= s}. */
  static void scale(int n, float s, float[] x, int xOff) {
    scaleInto(n, s, x, xOff, x, xOff);
  }

  /** {@code out[0:n] = s·x[0:n]}. */
  static void scaleInto(int n, float s, float[] x, int xOff, float[] out, int outOff) {
    FloatVector vs = FloatVector.broadcast(S, s);
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i).mul(vs).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = x[xOff + i] * s;
    }
  }

  /** {@code Σ x·y} in float, two accumulators to hide the FMA latency. */
  static float dot(int n, float[] x, int xOff, float[] y, int yOff) {
    FloatVector acc0 = FloatVector.zero(S);
    FloatVector acc1 = FloatVector.zero(S);
    int i = 0;
    for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
      acc0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc0);
      acc1 = FloatVector.fromArray(S, x, xOff + i + L)
          .fma(FloatVector.fromArray(S, y, yOff + i + L), acc1);
    }
    if (i <= n - L) {
      acc0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc0);
      i += L;
    }
    float s = VecMath.sum(acc0.add(acc1));
    for (; i < n; i++) {
      s += x[xOff + i] * y[yOff + i];
    }
    return s;
  }

  /**
   * {@code Σ x} accumulated in double: float lanes over runs of at most {@code 32·L} elements (so the
   * float error stays tiny), four independent accumulators so the adds do not wait on each other.
   */
  static double sum(int n, float[] x, int xOff) {
    double total = 0;
    int i = 0;
    int bound = n - 4 * L;
    while (i <= bound) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int end = Math.min(bound, i + 28 * L); i <= end; i += 4 * L) {
        a0 = a0.add(FloatVector.fromArray(S, x, xOff + i));
        a1 = a1.add(FloatVector.fromArray(S, x, xOff + i + L));
        a2 = a2.add(FloatVector.fromArray(S, x, xOff + i + 2 * L));
        a3 = a3.add(FloatVector.fromArray(S, x, xOff + i + 3 * L));
      }
      total += VecMath.sum(a0.add(a1).add(a2.add(a3)));
    }
    for (; i < n; i++) {
      total += x[xOff + i];
    }
    return total;
  }

  /** {@code Σ x²}, accumulated like {@link #sum}. */
  static double sumSquares(int n, float[] x, int xOff) {
    return sumSquaredDiff(n, x, xOff, 0f);
  }

  /** {@code Σ (x - mu)²}, accumulated like {@link #sum}. */
  static double sumSquaredDiff(int n, float[] x, int xOff, float mu) {
    FloatVector vm = FloatVector.broadcast(S, mu);
    double total = 0;
    int i = 0;
    int bound = n - 4 * L;
    while (i <= bound) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int end = Math.min(bound, i + 28 * L); i <= end; i += 4 * L) {
        FloatVector v0 = FloatVector.fromArray(S, x, xOff + i).sub(vm);
        FloatVector v1 = FloatVector.fromArray(S, x, xOff + i + L).sub(vm);
        FloatVector v2 = FloatVector.fromArray(S, x, xOff + i + 2 * L).sub(vm);
        FloatVector v3 = FloatVector.fromArray(S, x, xOff + i + 3 * L).sub(vm);
        a0 = v0.fma(v0, a0);
        a1 = v1.fma(v1, a1);
        a2 = v2.fma(v2, a2);
        a3 = v3.fma(v3, a3);
      }
      total += VecMath.sum(a0.add(a1).add(a2.add(a3)));
    }
    for (; i < n; i++) {
      double d = x[xOff + i] - mu;
      total += d * d;
    }
    return total;
  }

  /** {@code max x[0:n]} (negative infinity when empty); four accumulators, as max has a long latency. */
  static float max(int n, float[] x, int xOff) {
    FloatVector a0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    int i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
      a0 = a0.max(FloatVector.fromArray(S, x, xOff + i));
      a1 = a1.max(FloatVector.fromArray(S, x, xOff + i + L));
      a2 = a2.max(FloatVector.fromArray(S, x, xOff + i + 2 * L));
      a3 = a3.max(FloatVector.fromArray(S, x, xOff + i + 3 * L));
    }
    for (; i + L <= n; i += L) {
      a0 = a0.max(FloatVector.fromArray(S, x, xOff + i));
    }
    float m = a0.max(a1).max(a2.max(a3)).reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      m = Math.max(m, x[xOff + i]);
    }
    return m;
  }

  /** {@code out[0:n] = exp(x[0:n] - shift)}, returning their sum (in double). */
  static double expShift(int n, float[] x, int xOff, float shift, float[] out, int outOff) {
    FloatVector vs = FloatVector.broadcast(S, shift);
    double total = 0;
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; ) {
      FloatVector acc = FloatVector.zero(S);
      int end = Math.min(bound, i + 32 * L);
      for (; i < end; i += L) {
        FloatVector e = VecMath.exp(FloatVector.fromArray(S, x, xOff + i).sub(vs));
        e.intoArray(out, outOff + i);
        acc = acc.add(e);
      }
      total += VecMath.sum(acc);
    }
    for (; i < n; i++) {
      float e = (float) Math.exp(x[xOff + i] - shift);
      out[outOff + i] = e;
      total += e;
    }
    return total;
  }

  /** {@code Σ exp(x[0:n] - shift)} (in double) without storing the exponentials. */
  static double sumExpShift(int n, float[] x, int xOff, float shift) {
    FloatVector vs = FloatVector.broadcast(S, shift);
    double total = 0;
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; ) {
      FloatVector acc = FloatVector.zero(S);
      int end = Math.min(bound, i + 32 * L);
      for (; i < end; i += L) {
        acc = acc.add(VecMath.exp(FloatVector.fromArray(S, x, xOff + i).sub(vs)));
      }
      total += VecMath.sum(acc);
    }
    for (; i < n; i++) {
      total += Math.exp(x[xOff + i] - shift);
    }
    return total;
  }

  /**
   * {@code dst[0:n] += Σ_{r < count} w[wOff + r·wStride] · src[srcOff + r·srcStride + 0:n]}: a weighted
   * sum of rows, kept in registers (up to four vectors wide at a time) across all the rows instead of
   * storing {@code dst} after each one. Rows with weight 0 are skipped.
   */
  static void accumulateRows(
      int n,
      float[] w,
      int wOff,
      int wStride,
      int count,
      float[] src,
      int srcOff,
      int srcStride,
      float[] dst,
      int dstOff) {
    int d = 0;
    for (; d + 4 * L <= n; d += 4 * L) {
      int o = dstOff + d;
      FloatVector a0 = FloatVector.fromArray(S, dst, o);
      FloatVector a1 = FloatVector.fromArray(S, dst, o + L);
      FloatVector a2 = FloatVector.fromArray(S, dst, o + 2 * L);
      FloatVector a3 = FloatVector.fromArray(S, dst, o + 3 * L);
      for (int r = 0; r < count; r++) {
        float wr = w[wOff + r * wStride];
        if (wr != 0f) {
          FloatVector vw = FloatVector.broadcast(S, wr);
          int si = srcOff + r * srcStride + d;
          a0 = vw.fma(FloatVector.fromArray(S, src, si), a0);
          a1 = vw.fma(FloatVector.fromArray(S, src, si + L), a1);
          a2 = vw.fma(FloatVector.fromArray(S, src, si + 2 * L), a2);
          a3 = vw.fma(FloatVector.fromArray(S, src, si + 3 * L), a3);
        }
      }
      a0.intoArray(dst, o);
      a1.intoArray(dst, o + L);
      a2.intoArray(dst, o + 2 * L);
      a3.intoArray(dst, o + 3 * L);
    }
    for (; d + L <= n; d += L) {
      FloatVector a0 = FloatVector.fromArray(S, dst, dstOff + d);
      for (int r = 0; r < count; r++) {
        float wr = w[wOff + r * wStride];
        if (wr != 0f) {
          a0 = FloatVector.broadcast(S, wr)
              .fma(FloatVector.fromArray(S, src, srcOff + r * srcStride + d), a0);
        }
      }
      a0.intoArray(dst, dstOff + d);
    }
    for (; d < n; d++) {
      float a = dst[dstOff + d];
      for (int r = 0; r < count; r++) {
        a += w[wOff + r * wStride] * src[srcOff + r * srcStride + d];
      }
      dst[dstOff + d] = a;
    }
  }
}
