package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.Pointwise32.forElements;
import static dev.kiln.runtime.cpu.Vec.L;
import static dev.kiln.runtime.cpu.Vec.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Float activation functions and their backward passes, vectorised. The forward functions finish a
 * ragged end with masked vector operations, so an element's result does not depend on where it sits
 * in the range (a fused product applies them block by block and must agree with the whole-array
 * pass); the backward tails use the double-precision formulas.
 *
 * <p>Exact GELU needs erf, which the Vector API lacks. The vector path uses the Chebyshev fit for erfc
 * from Numerical Recipes ({@code erfc(z) = t·exp(-z² + P(t))}, {@code t = 1/(1 + z/2)}, fractional error
 * below 1.2e-7 for all z ≥ 0): one exp per element, and a relative error that stays small far into the
 * negative tail, where {@code 1 + erf} would cancel.
 */
final class Activations32 {
  private Activations32() {}

  private static final float SQRT_HALF = (float) Math.sqrt(0.5);
  private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
  private static final float GELU_TANH_C = (float) Math.sqrt(2 / Math.PI);
  private static final float GELU_TANH_K = 0.044715f;

  private static final float[] ERFC_P = {
    -1.26551223f,
    1.00002368f,
    0.37409196f,
    0.09678418f,
    -0.18628806f,
    0.27886807f,
    -1.13520398f,
    1.48851587f,
    -0.82215223f,
    0.17087277f
  };

  static void relu(int n, float[] x, int xOff, float[] out, int outOff) {
    forElements(n, (from, to) -> reluRun(to - from, x, xOff + from, out, outOff + from));
  }

  /**
   * {@code out[0:n] = act(x[0:n])} on the calling thread: the per-block step of a fused product
   * ({@link Gemm32}'s epilogue). {@link Activation#NONE} does nothing.
   */
  static void run(Activation act, int n, float[] x, int xOff, float[] out, int outOff) {
    switch (act) {
      case NONE -> {}
      case RELU -> reluRun(n, x, xOff, out, outOff);
      case GELU -> geluRun(n, x, xOff, out, outOff);
      case GELU_TANH -> geluTanhRun(n, x, xOff, out, outOff);
    }
  }

  private static void reluRun(int n, float[] x, int xOff, float[] out, int outOff) {
    FloatVector zero = FloatVector.zero(S);
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i).max(zero).intoArray(out, outOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector.fromArray(S, x, xOff + i, m).max(zero).intoArray(out, outOff + i, m);
    }
  }

  static void reluBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        VectorMask<Float> pos =
            FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
        FloatVector.fromArray(S, dx, dxOff + i)
            .add(FloatVector.fromArray(S, dout, doutOff + i), pos)
            .intoArray(dx, dxOff + i);
      }
      for (; i < to; i++) {
        if (x[xOff + i] > 0) {
          dx[dxOff + i] += dout[doutOff + i];
        }
      }
    });
  }

  /** Φ(x) = P(X ≤ x) for a standard normal X, lane-wise. */
  private static FloatVector normalCdf(FloatVector x) {
    FloatVector z = x.abs().mul(SQRT_HALF);
    FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
    FloatVector p = FloatVector.broadcast(S, ERFC_P[9]);
    for (int c = 8; c >= 0; c--) {
      p = p.fma(t, FloatVector.broadcast(S, ERFC_P[c]));
    }
    FloatVector halfErfc = t.mul(VecMath.exp(z.mul(z).neg().add(p))).mul(0.5f);
    // Φ(x) = erfc(-x/√2)/2: for x < 0 that is erfc(z)/2 directly, for x ≥ 0 it is 1 - erfc(z)/2.
    return FloatVector.broadcast(S, 1f)
        .sub(halfErfc)
        .blend(halfErfc, x.compare(VectorOperators.LT, 0f));
  }

  static void gelu(int n, float[] x, int xOff, float[] out, int outOff) {
    forElements(n, (from, to) -> geluRun(to - from, x, xOff + from, out, outOff + from));
  }

  private static void geluRun(int n, float[] x, int xOff, float[] out, int outOff) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      v.mul(normalCdf(v)).intoArray(out, outOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
      v.mul(normalCdf(v)).intoArray(out, outOff + i, m);
    }
  }

  static void geluBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        FloatVector v = FloatVector.fromArray(S, x, xOff + i);
        FloatVector pdf = VecMath.exp(v.mul(v).mul(-0.5f)).mul(INV_SQRT_2PI);
        FloatVector grad = v.fma(pdf, normalCdf(v));
        grad.fma(
                FloatVector.fromArray(S, dout, doutOff + i),
                FloatVector.fromArray(S, dx, dxOff + i))
            .intoArray(dx, dxOff + i);
      }
      for (; i < to; i++) {
        double v = x[xOff + i];
        double cdf = 0.5 * Erf.erfc(-v * SQRT_HALF);
        double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        dx[dxOff + i] += (float) (dout[doutOff + i] * (cdf + v * pdf));
      }
    });
  }

  static void geluTanh(int n, float[] x, int xOff, float[] out, int outOff) {
    forElements(n, (from, to) -> geluTanhRun(to - from, x, xOff + from, out, outOff + from));
  }

  private static void geluTanhRun(int n, float[] x, int xOff, float[] out, int outOff) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      FloatVector u = v.mul(v).fma(GELU_TANH_K, 1f).mul(v).mul(GELU_TANH_C);
      FloatVector t = VecMath.tanh(u);
      t.add(1f).mul(v).mul(0.5f).intoArray(out, outOff + i);
    }
    if (i < n) {
      VectorMask<Float> m = S.indexInRange(i, n);
      FloatVector v = FloatVector.fromArray(S, x, xOff + i, m);
      FloatVector u = v.mul(v).fma(GELU_TANH_K, 1f).mul(v).mul(GELU_TANH_C);
      VecMath.tanh(u).add(1f).mul(v).mul(0.5f).intoArray(out, outOff + i, m);
    }
  }

  static void geluTanhBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        FloatVector v = FloatVector.fromArray(S, x, xOff + i);
        FloatVector v2 = v.mul(v);
        FloatVector t = VecMath.tanh(v2.fma(GELU_TANH_K, 1f).mul(v).mul(GELU_TANH_C));
        FloatVector du = v2.fma(3 * GELU_TANH_K, 1f).mul(GELU_TANH_C);
        // 0.5·(1 + t) + 0.5·x·(1 - t²)·du
        FloatVector sech2 = t.mul(t).neg().add(1f);
        FloatVector grad = t.add(1f).add(v.mul(sech2).mul(du)).mul(0.5f);
        grad.fma(
                FloatVector.fromArray(S, dout, doutOff + i),
                FloatVector.fromArray(S, dx, dxOff + i))
            .intoArray(dx, dxOff + i);
      }
      for (; i < to; i++) {
        double v = x[xOff + i];
        double t = Math.tanh(GELU_TANH_C * (v + GELU_TANH_K * v * v * v));
        double du = GELU_TANH_C * (1 + 3 * GELU_TANH_K * v * v);
        dx[dxOff + i] += (float) (dout[doutOff + i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du));
      }
    });
  }

  static void tanh(int n, float[] x, int xOff, float[] out, int outOff) {
    forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        VecMath.tanh(FloatVector.fromArray(S, x, xOff + i)).intoArray(out, outOff + i);
      }
      for (; i < to; i++) {
        out[outOff + i] = (float) Math.tanh(x[xOff + i]);
      }
    });
  }

  static void tanhBackward(
      int n, float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    forElements(n, (from, to) -> {
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        FloatVector v = FloatVector.fromArray(S, y, yOff + i);
        FloatVector grad = v.mul(v).neg().add(1f);
        grad.fma(
                FloatVector.fromArray(S, dout, doutOff + i),
                FloatVector.fromArray(S, dx, dxOff + i))
            .intoArray(dx, dxOff + i);
      }
      for (; i < to; i++) {
        float v = y[yOff + i];
        dx[dxOff + i] += dout[doutOff + i] * (1 - v * v);
      }
    });
  }
}
