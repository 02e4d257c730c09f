package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.Pointwise32.forElements;
import static dev.kiln.runtime.cpu.Vec.L;
import static dev.kiln.runtime.cpu.Vec.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Float activation functions and their backward passes, vectorised. The forward functions finish a
 * ragged end with masked vector operations, so an element's result does not depend on where it sits
 * in the range (a fused product applies them block by block and must agree with the whole-array
 * pass); the backward tails use the double-precision formulas.
 *
 * <p>Exact GELU needs erf, which the Vector API lacks. Both vector paths compute the small tail
 * {@code Φ(-|x|)} directly, so that {@code x·Φ(x)} keeps its precision far into the negative tail,
 * where {@code 1 + erf} would cancel:
 *
 * <ul>
 *   <li>with 16 lanes (AVX-512), a table of 16 degree-5 polynomials on [0, 6), one per interval of
 *       width 3/8, whose coefficients each lane picks with a permute ({@link #TAIL_TABLE}): no
 *       division and no exp, about 2.3× faster than the other path;
 *   <li>otherwise the Chebyshev fit for erfc from Numerical Recipes ({@code erfc(z) = t·exp(-z² +
 *       P(t))}, {@code t = 1/(1 + z/2)}, fractional error below 1.2e-7 for all z ≥ 0).
 * </ul>
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

  /**
   * {@code Φ(-a) = erfc(a/√2)/2} on [0, 6): row k holds the coefficient of {@code u^k} for each of
   * the 16 intervals {@code [i·3/8, (i+1)·3/8)}, where {@code u = a - (i + 1/2)·3/8}. Written by
   * {@code scripts/gelu-table.py} (a least-squares fit per interval, weighted by the error GELU may
   * make there); in float arithmetic GELU then stays within 0.12 of {@code Kernels32Test}'s tolerance
   * (1e-7 + 1e-6·|GELU|) over [-12, 12]. Beyond 6, {@code Φ(-a) < 1e-9} is taken as 0.
   */
  private static final float[][] TAIL_TABLE = {
    {
      0.42563432455062866f,
      0.2868877053260803f,
      0.17425072193145752f,
      0.09467574208974838f,
      0.04575362429022789f,
      0.01958007737994194f,
      0.007394606247544289f,
      0.0024579011369496584f,
      0.0007175425416789949f,
      0.00018367018492426723f,
      4.1167593735735863e-05f,
      8.070996045717038e-06f,
      1.3828303053742275e-06f,
      2.0690140445367433e-07f,
      2.701761481205267e-08f,
      3.0775031412133558e-09f
    },
    {
      -0.39199087023735046f,
      -0.34056755900382996f,
      -0.25707387924194336f,
      -0.16859318315982819f,
      -0.09606151282787323f,
      -0.047553900629282f,
      -0.020452676340937614f,
      -0.0076426053419709206f,
      -0.0024811902549117804f,
      -0.0006998517783358693f,
      -0.00017150607891380787f,
      -3.6515768442768604e-05f,
      -6.754745754733449e-06f,
      -1.0855889058802859e-06f,
      -1.5158278188209806e-07f,
      -1.8389195943768755e-08f
    },
    {
      0.03674868866801262f,
      0.09578248113393784f,
      0.1205017939209938f,
      0.11063911765813828f,
      0.08105271309614182f,
      0.04904083162546158f,
      0.024927131831645966f,
      0.010747447609901428f,
      0.003954272251576185f,
      0.0012464934261515737f,
      0.0003375871747266501f,
      7.871037814766169e-05f,
      1.5822835848666728e-05f,
      2.7456533189251786e-06f,
      4.116321576930204e-07f,
      5.335655828275776e-08f
    },
    {
      0.0630275309085846f,
      0.03879798948764801f,
      0.005186725407838821f,
      -0.020305218175053596f,
      -0.02957998774945736f,
      -0.025788472965359688f,
      -0.01684408076107502f,
      -0.00880208145827055f,
      -0.003788100788369775f,
      -0.001363721676170826f,
      -0.0004145742568653077f,
      -0.0001070893558789976f,
      -2.3606509785167873e-05f,
      -4.454711870494066e-06f,
      -7.213262165350898e-07f,
      -1.004052450070958e-07f
    },
    {
      -0.009025278501212597f,
      -0.021255116909742355f,
      -0.021177634596824646f,
      -0.011764864437282085f,
      -0.0010919775813817978f,
      0.005056939087808132f,
      0.006076743360608816f,
      0.0043951100669801235f,
      0.002369065536186099f,
      0.001015742076560855f,
      0.00035679954453371465f,
      0.00010436814045533538f,
      2.5679601094452664e-05f,
      5.350709670892684e-06f,
      9.486519729762222e-07f,
      1.4361548039687477e-07f
    },
    {
      -0.008846623823046684f,
      -0.0033212280832231045f,
      0.00322677381336689f,
      0.006095193326473236f,
      0.004741139709949493f,
      0.0017415734473615885f,
      -0.0004437757015693933f,
      -0.0011442580725997686f,
      -0.0009329980239272118f,
      -0.0005134282982908189f,
      -0.0002161266893381253f,
      -7.297001866390929e-05f,
      -2.0237166609149426e-05f,
      -4.675285254052142e-06f,
      -9.079379879040061e-07f,
      -1.491481214088708e-07f
    },
  };

  private static final int TAIL_INTERVALS = 16;
  private static final float TAIL_WIDTH = 6f / TAIL_INTERVALS;
  private static final float TAIL_END = 6f;
  /** The table path needs one interval per lane. */
  private static final boolean TABLE = L == TAIL_INTERVALS;

  private static final FloatVector TAIL_0 = tailRow(0);
  private static final FloatVector TAIL_1 = tailRow(1);
  private static final FloatVector TAIL_2 = tailRow(2);
  private static final FloatVector TAIL_3 = tailRow(3);
  private static final FloatVector TAIL_4 = tailRow(4);
  private static final FloatVector TAIL_5 = tailRow(5);

  private static FloatVector tailRow(int k) {
    return TABLE ? FloatVector.fromArray(S, TAIL_TABLE[k], 0) : null;
  }

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
    return TABLE ? normalCdfTable(x) : normalCdfErfc(x);
  }

  /** {@link #normalCdf} from {@link #TAIL_TABLE}: lane i uses the polynomial of its interval. */
  static FloatVector normalCdfTable(FloatVector x) {
    FloatVector a = x.abs();
    FloatVector ac = a.min(Math.nextDown(TAIL_END));
    IntVector interval = (IntVector) ac.mul(1 / TAIL_WIDTH).convert(VectorOperators.F2I, 0);
    VectorShuffle<Float> pick = interval.toShuffle().cast(S);
    FloatVector u = ac.sub(
        ((FloatVector) interval.convert(VectorOperators.I2F, 0)).add(0.5f).mul(TAIL_WIDTH));
    FloatVector tail = TAIL_5.rearrange(pick);
    tail = tail.fma(u, TAIL_4.rearrange(pick));
    tail = tail.fma(u, TAIL_3.rearrange(pick));
    tail = tail.fma(u, TAIL_2.rearrange(pick));
    tail = tail.fma(u, TAIL_1.rearrange(pick));
    tail = tail.fma(u, TAIL_0.rearrange(pick));
    tail = tail.blend(0f, a.compare(VectorOperators.GE, TAIL_END));
    return FloatVector.broadcast(S, 1f).sub(tail).blend(tail, x.compare(VectorOperators.LT, 0f));
  }

  /** {@link #normalCdf} from Numerical Recipes' erfc: the path for vectors of other than 16 lanes. */
  static FloatVector normalCdfErfc(FloatVector x) {
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
