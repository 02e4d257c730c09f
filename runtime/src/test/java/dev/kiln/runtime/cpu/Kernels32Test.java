package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.TestData.assertClose;
import static dev.kiln.runtime.cpu.TestData.f;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Every {@link Kernels32} method (attention and gemm have their own tests) against {@link Kernels64} on
 * identical float-representable inputs, at odd sizes (1, 7, 33, 129, ...) and at sizes above the
 * threading threshold, with non-zero offsets. Gradient outputs start from the same random values in
 * both, so the comparisons also check that backward kernels accumulate.
 *
 * <p>Tolerances: element-wise results 1e-5 relative (plus a tiny absolute floor scaled to the data),
 * transcendental activations 2e-6 absolute on unit-scale data, reductions 1e-5 relative to Σ|x|.
 */
class Kernels32Test {
  private static final int OFF = 3;
  private static final int[] SIZES = {1, 7, 33, 129, 1000, 40_000};
  /** (rows, width) pairs: odd shapes, and one over the threading threshold. */
  private static final int[][] SHAPES = {
    {1, 1}, {1, 7}, {7, 1}, {5, 33}, {33, 7}, {13, 129}, {300, 129}, {40_000, 3}
  };

  private static double[] data(long seed, int n) {
    return TestData.uniform(seed, n + 2 * OFF, -2, 2);
  }

  /** A Kernels64 result and the matching Kernels32 result on the same inputs. */
  private static void same(String what, double[] expected, float[] actual) {
    assertClose(what, expected, actual, 1e-5, 1e-6 * (1 + TestData.maxAbs(expected)));
  }

  @Test
  void addSubMulWithBroadcast() {
    long seed = 1;
    for (int[] s : SHAPES) {
      int n = s[0] * s[1];
      for (int bn : new int[] {n, s[1], 1}) {
        double[] a = data(seed++, n);
        double[] b = data(seed++, bn);
        for (int op = 0; op < 3; op++) {
          double[] o64 = new double[n + 2 * OFF];
          float[] o32 = new float[n + 2 * OFF];
          float[] a32 = f(a);
          float[] alias = f(a);
          switch (op) {
            case 0 -> {
              Kernels64.add(n, a, OFF, b, 1, bn, o64, OFF);
              Kernels32.add(n, a32, OFF, f(b), 1, bn, o32, OFF);
              Kernels32.add(n, alias, OFF, f(b), 1, bn, alias, OFF);
            }
            case 1 -> {
              Kernels64.sub(n, a, OFF, b, 1, bn, o64, OFF);
              Kernels32.sub(n, a32, OFF, f(b), 1, bn, o32, OFF);
              Kernels32.sub(n, alias, OFF, f(b), 1, bn, alias, OFF);
            }
            default -> {
              Kernels64.mul(n, a, OFF, b, 1, bn, o64, OFF);
              Kernels32.mul(n, a32, OFF, f(b), 1, bn, o32, OFF);
              Kernels32.mul(n, alias, OFF, f(b), 1, bn, alias, OFF);
            }
          }
          same("op" + op + " n=" + n + " bn=" + bn, o64, o32);
          System.arraycopy(a, 0, o64, 0, OFF);
          System.arraycopy(a, n + OFF, o64, n + OFF, OFF);
          same("aliased op" + op + " n=" + n + " bn=" + bn, o64, alias);
        }
      }
    }
  }

  @Test
  void scaleFillAccumulate() {
    long seed = 10;
    for (int n : SIZES) {
      double[] x = data(seed++, n);
      double[] y = data(seed++, n);
      double[] o64 = y.clone();
      float[] o32 = f(y);
      Kernels64.scale(n, x, OFF, -0.37, o64, OFF);
      Kernels32.scale(n, f(x), OFF, -0.37, o32, OFF);
      same("scale " + n, o64, o32);
      Kernels64.fill(n, o64, OFF, 1.25);
      Kernels32.fill(n, o32, OFF, 1.25);
      same("fill " + n, o64, o32);
      o64 = y.clone();
      o32 = f(y);
      Kernels64.accumulate(n, 0.7, x, OFF, o64, OFF);
      Kernels32.accumulate(n, 0.7, f(x), OFF, o32, OFF);
      same("accumulate " + n, o64, o32);
      Kernels64.accumulateScalar(n, -0.3, o64, OFF);
      Kernels32.accumulateScalar(n, -0.3, o32, OFF);
      same("accumulateScalar " + n, o64, o32);
    }
  }

  @Test
  void biasAndBroadcastReductions() {
    long seed = 20;
    for (int[] s : SHAPES) {
      int rows = s[0];
      int n = s[1];
      double[] c = data(seed++, rows * n);
      double[] bias = data(seed++, n);
      double[] c64 = c.clone();
      float[] c32 = f(c);
      Kernels64.addBias(rows, n, c64, OFF, bias, 1);
      Kernels32.addBias(rows, n, c32, OFF, f(bias), 1);
      same("addBias " + rows + "x" + n, c64, c32);

      double[] db = data(seed++, n);
      double[] db64 = db.clone();
      float[] db32 = f(db);
      Kernels64.biasBackward(rows, n, c, OFF, db64, 2);
      Kernels32.biasBackward(rows, n, f(c), OFF, db32, 2);
      assertClose("biasBackward " + rows + "x" + n, db64, db32, 1e-5, 1e-6 * rows);

      for (int bn : new int[] {rows * n, n, 1}) {
        double[] r64 = Arrays.copyOf(db, Math.max(db.length, bn + 2 * OFF));
        float[] r32 = f(r64);
        Kernels64.reduceBroadcast(rows * n, bn, -0.5, c, OFF, r64, 1);
        Kernels32.reduceBroadcast(rows * n, bn, -0.5, f(c), OFF, r32, 1);
        assertClose("reduceBroadcast " + rows * n + "/" + bn, r64, r32, 1e-5, 1e-6 * rows * n / bn);
      }
    }
  }

  @Test
  void mulBackward() {
    long seed = 30;
    for (int[] s : SHAPES) {
      int n = s[0] * s[1];
      for (int bn : new int[] {n, s[1], 1}) {
        double[] dout = data(seed++, n);
        double[] a = data(seed++, n);
        double[] b = data(seed++, bn);
        double[] da = data(seed++, n);
        double[] db = data(seed++, bn);
        for (int which = 0; which < 3; which++) {
          double[] da64 = which == 2 ? null : da.clone();
          double[] db64 = which == 1 ? null : db.clone();
          float[] da32 = which == 2 ? null : f(da);
          float[] db32 = which == 1 ? null : f(db);
          Kernels64.mulBackward(n, bn, dout, OFF, a, OFF, b, 1, da64, OFF, db64, 2);
          Kernels32.mulBackward(n, bn, f(dout), OFF, f(a), OFF, f(b), 1, da32, OFF, db32, 2);
          if (da64 != null) {
            same("mulBackward da n=" + n + " bn=" + bn, da64, da32);
          }
          if (db64 != null) {
            assertClose("mulBackward db n=" + n + " bn=" + bn, db64, db32, 1e-5, 4e-6 * n / bn);
          }
        }
      }
    }
  }

  @Test
  void activations() {
    long seed = 40;
    for (int n : SIZES) {
      double[] x = TestData.uniform(seed++, n + 2 * OFF, -6, 6);
      double[] dout = data(seed++, n);
      double[] dx = data(seed++, n);
      for (int act = 0; act < 4; act++) {
        double[] o64 = new double[n + 2 * OFF];
        float[] o32 = new float[n + 2 * OFF];
        double[] g64 = dx.clone();
        float[] g32 = f(dx);
        float[] x32 = f(x);
        String name =
            switch (act) {
              case 0 -> {
                Kernels64.relu(n, x, OFF, o64, OFF);
                Kernels32.relu(n, x32, OFF, o32, OFF);
                Kernels64.reluBackward(n, x, OFF, dout, OFF, g64, OFF);
                Kernels32.reluBackward(n, x32, OFF, f(dout), OFF, g32, OFF);
                yield "relu";
              }
              case 1 -> {
                Kernels64.gelu(n, x, OFF, o64, OFF);
                Kernels32.gelu(n, x32, OFF, o32, OFF);
                Kernels64.geluBackward(n, x, OFF, dout, OFF, g64, OFF);
                Kernels32.geluBackward(n, x32, OFF, f(dout), OFF, g32, OFF);
                yield "gelu";
              }
              case 2 -> {
                Kernels64.geluTanh(n, x, OFF, o64, OFF);
                Kernels32.geluTanh(n, x32, OFF, o32, OFF);
                Kernels64.geluTanhBackward(n, x, OFF, dout, OFF, g64, OFF);
                Kernels32.geluTanhBackward(n, x32, OFF, f(dout), OFF, g32, OFF);
                yield "geluTanh";
              }
              default -> {
                Kernels64.tanh(n, x, OFF, o64, OFF);
                Kernels32.tanh(n, x32, OFF, o32, OFF);
                double[] y = o64.clone();
                Kernels64.tanhBackward(n, y, OFF, dout, OFF, g64, OFF);
                Kernels32.tanhBackward(n, f(y), OFF, f(dout), OFF, g32, OFF);
                yield "tanh";
              }
            };
        assertClose(name + " " + n, o64, o32, 2e-6, 2e-6);
        assertClose(name + "Backward " + n, g64, g32, 2e-6, 4e-6);
      }
    }
  }

  @Test
  void geluFloatPathIsAccurateEverywhere() {
    // A dense sweep over the range where GELU is not trivially 0 or x, including the far negative
    // tail.
    int n = 200_001;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (-12 + 24.0 * i / (n - 1));
    }
    double[] o64 = new double[n];
    float[] o32 = new float[n];
    Kernels64.gelu(n, x, 0, o64, 0);
    Kernels32.gelu(n, f(x), 0, o32, 0);
    assertClose("gelu sweep", o64, o32, 1e-6, 1e-7);
  }

  /**
   * Both vector formulas for Φ, whichever {@link Kernels32#gelu} uses on this machine: the table of
   * polynomials needs 16 lanes, the erfc fit serves every other vector length.
   */
  @Test
  void bothGeluFormulasAreAccurateEverywhere() {
    int n = 200_000 / Vec.L * Vec.L;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (-12 + 24.0 * i / (n - 1));
    }
    double[] o64 = new double[n];
    Kernels64.gelu(n, x, 0, o64, 0);
    float[] xf = f(x);
    assertClose("erfc formula", o64, viaNormalCdf(xf, Activations32::normalCdfErfc), 1e-6, 1e-7);
    if (Vec.L == 16) {
      assertClose("table", o64, viaNormalCdf(xf, Activations32::normalCdfTable), 1e-6, 1e-7);
    }
    // Far outside the table, Φ is exactly 0 or 1 (not the last interval's polynomial).
    float[] far = {-1e6f, -7f, 7f, 1e6f};
    float[] big = new float[Vec.L];
    for (int i = 0; i < Vec.L; i++) {
      big[i] = far[i % far.length];
    }
    float[] out = new float[Vec.L];
    Kernels32.gelu(Vec.L, big, 0, out, 0);
    for (int i = 0; i < Vec.L; i++) {
      assertEquals(big[i] > 0 ? big[i] : 0f, out[i], 0f, "gelu(" + big[i] + ")");
    }
  }

  private static float[] viaNormalCdf(float[] x, UnaryOperator<FloatVector> cdf) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i += Vec.L) {
      FloatVector v = FloatVector.fromArray(Vec.S, x, i);
      v.mul(cdf.apply(v)).intoArray(out, i);
    }
    return out;
  }

  @Test
  void softmaxAndBackward() {
    long seed = 50;
    for (int[] s : SHAPES) {
      int rows = s[0];
      int dim = s[1];
      double[] x = TestData.uniform(seed++, rows * dim + 2 * OFF, -8, 8);
      double[] o64 = new double[x.length];
      float[] o32 = new float[x.length];
      Kernels64.softmax(rows, dim, x, OFF, o64, OFF);
      Kernels32.softmax(rows, dim, f(x), OFF, o32, OFF);
      assertClose("softmax " + rows + "x" + dim, o64, o32, 1e-5, 1e-7);
      double[] dout = data(seed++, rows * dim);
      double[] dx = data(seed++, rows * dim);
      double[] g64 = dx.clone();
      float[] g32 = f(dx);
      Kernels64.softmaxBackward(rows, dim, o64, OFF, dout, OFF, g64, OFF);
      Kernels32.softmaxBackward(rows, dim, o32, OFF, f(dout), OFF, g32, OFF);
      assertClose("softmaxBackward " + rows + "x" + dim, g64, g32, 1e-5, 1e-6);
    }
  }

  @Test
  void layerNormAndBackward() {
    long seed = 60;
    for (int[] s : SHAPES) {
      int rows = s[0];
      int dim = s[1];
      for (boolean affine : new boolean[] {true, false}) {
        double[] x = TestData.uniform(seed++, rows * dim + 2 * OFF, -3, 5);
        double[] gamma = affine ? data(seed++, dim) : null;
        double[] beta = affine ? data(seed++, dim) : null;
        double[] o64 = new double[x.length];
        float[] o32 = new float[x.length];
        double[] mean64 = new double[rows + 1];
        double[] rstd64 = new double[rows + 2];
        float[] mean32 = new float[rows + 1];
        float[] rstd32 = new float[rows + 2];
        Kernels64.layerNorm(
            rows, dim, x, OFF, gamma, 1, beta, 2, 1e-5, o64, OFF, mean64, 1, rstd64, 2);
        Kernels32.layerNorm(
            rows,
            dim,
            f(x),
            OFF,
            affine ? f(gamma) : null,
            1,
            affine ? f(beta) : null,
            2,
            1e-5,
            o32,
            OFF,
            mean32,
            1,
            rstd32,
            2);
        String what = "layerNorm " + rows + "x" + dim + (affine ? "" : " no affine");
        assertClose(what, o64, o32, 1e-5, 2e-5);
        assertClose(what + " mean", mean64, mean32, 1e-5, 1e-6);
        assertClose(what + " rstd", rstd64, rstd32, 1e-5, 1e-6);

        double[] dout = data(seed++, rows * dim);
        double[] dx = data(seed++, rows * dim);
        double[] dgb = data(seed++, dim);
        double[] dx64 = dx.clone();
        double[] dg64 = affine ? dgb.clone() : null;
        double[] db64 = affine ? dgb.clone() : null;
        float[] dx32 = f(dx);
        float[] dg32 = affine ? f(dgb) : null;
        float[] db32 = affine ? f(dgb) : null;
        Kernels64.layerNormBackward(
            rows, dim, dout, OFF, x, OFF, gamma, 1, mean64, 1, rstd64, 2, dx64, OFF, dg64, 2, db64,
            2);
        Kernels32.layerNormBackward(
            rows,
            dim,
            f(dout),
            OFF,
            f(x),
            OFF,
            affine ? f(gamma) : null,
            1,
            mean32,
            1,
            rstd32,
            2,
            dx32,
            OFF,
            dg32,
            2,
            db32,
            2);
        // dx is rstd times a difference of three terms of similar size: its float error scales with
        // rstd.
        for (int r = 0; r < rows; r++) {
          int from = OFF + r * dim;
          assertClose(
              what + " dx row " + r,
              Arrays.copyOfRange(dx64, from, from + dim),
              Arrays.copyOfRange(dx32, from, from + dim),
              1e-5,
              2e-5 * (1 + rstd64[2 + r]));
        }
        if (affine) {
          assertClose(what + " dgamma", dg64, dg32, 1e-5, 2e-5 * rows);
          assertClose(what + " dbeta", db64, db32, 1e-5, 2e-6 * rows);
        }
      }
    }
  }

  @Test
  void dropoutMasksMatchExactly() {
    long seed = 70;
    for (int n : SIZES) {
      for (double p : new double[] {0, 0.1, 0.5, 1}) {
        double[] x = data(seed++, n);
        double[] o64 = new double[x.length];
        float[] o32 = new float[x.length];
        Kernels64.dropout(n, p, 1234 + n, x, OFF, o64, OFF);
        Kernels32.dropout(n, p, 1234 + n, f(x), OFF, o32, OFF);
        same("dropout " + n + " p=" + p, o64, o32);
        for (int i = 0; i < x.length; i++) {
          assertEquals(o64[i] == 0, o32[i] == 0, "dropout mask at " + i);
        }
        double[] dout = data(seed++, n);
        double[] dx = data(seed++, n);
        double[] g64 = dx.clone();
        float[] g32 = f(dx);
        Kernels64.dropoutBackward(n, p, 1234 + n, dout, OFF, g64, OFF);
        Kernels32.dropoutBackward(n, p, 1234 + n, f(dout), OFF, g32, OFF);
        same("dropoutBackward " + n + " p=" + p, g64, g32);
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.dropout(1, 1.5, 0, new float[1], 0, new float[1], 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels64.dropout(1, -0.1, 0, new double[1], 0, new double[1], 0));
  }

  @Test
  void dropoutKeepsAboutOneMinusP() {
    int n = 100_000;
    float[] x = new float[n];
    Arrays.fill(x, 1f);
    float[] out = new float[n];
    Kernels32.dropout(n, 0.3, 99, x, 0, out, 0);
    int kept = 0;
    for (float v : out) {
      if (v != 0) {
        kept++;
        assertEquals(1 / 0.7f, v, 1e-6f);
      }
    }
    assertEquals(0.7, kept / (double) n, 0.01);
  }

  @Test
  void copyAxis() {
    long seed = 80;
    int[][] cases = {{1, 1, 1}, {3, 2, 7}, {5, 4, 33}, {2, 7, 129}, {300, 3, 50}};
    for (int[] c : cases) {
      int outer = c[0];
      int len = c[1];
      int inner = c[2];
      int srcAxis = len + 3;
      int dstAxis = len + 2;
      double[] src = data(seed++, outer * srcAxis * inner);
      double[] dst = data(seed++, outer * dstAxis * inner);
      for (boolean acc : new boolean[] {false, true}) {
        double[] d64 = dst.clone();
        float[] d32 = f(dst);
        Kernels64.copyAxis(outer, len, inner, src, OFF, srcAxis, 2, d64, OFF, dstAxis, 1, acc);
        Kernels32.copyAxis(outer, len, inner, f(src), OFF, srcAxis, 2, d32, OFF, dstAxis, 1, acc);
        same("copyAxis " + Arrays.toString(c) + " acc=" + acc, d64, d32);
      }
    }
  }

  @Test
  void embeddingAndBackward() {
    long seed = 90;
    int[][] cases = {{1, 5, 1}, {7, 3, 7}, {129, 50, 33}, {300, 20, 129}, {2000, 10, 40}};
    for (int[] c : cases) {
      int n = c[0];
      int vocab = c[1];
      int dim = c[2];
      int[] ids = TestData.ints(seed++, n + 2, vocab);
      double[] table = data(seed++, vocab * dim);
      double[] o64 = new double[n * dim + 2 * OFF];
      float[] o32 = new float[n * dim + 2 * OFF];
      Kernels64.embedding(n, ids, 2, table, 1, vocab, dim, o64, OFF);
      Kernels32.embedding(n, ids, 2, f(table), 1, vocab, dim, o32, OFF);
      same("embedding " + Arrays.toString(c), o64, o32);
      double[] dout = data(seed++, n * dim);
      double[] dt = data(seed++, vocab * dim);
      double[] dt64 = dt.clone();
      float[] dt32 = f(dt);
      Kernels64.embeddingBackward(n, ids, 2, dout, OFF, dt64, 1, vocab, dim);
      Kernels32.embeddingBackward(n, ids, 2, f(dout), OFF, dt32, 1, vocab, dim);
      assertClose("embeddingBackward " + Arrays.toString(c), dt64, dt32, 1e-5, 1e-6 * n);
    }
  }

  @Test
  void badTokenIdsAreRejected() {
    int[] ids = {1, 2, 3, 70000, 5};
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.embedding(5, ids, 0, new float[50257], 0, 50257, 1, new float[5], 0));
    assertEquals(
        "token id 70000 at position 3 is outside the vocabulary [0, 50257)", e.getMessage());
    e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels64.embedding(
            4, new int[] {0, 0, -1, 0, 0}, 1, new double[10], 0, 10, 1, new double[5], 0));
    assertEquals("token id -1 at position 1 is outside the vocabulary [0, 10)", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.embeddingBackward(
            1, new int[] {10}, 0, new float[1], 0, new float[10], 0, 10, 1));
  }

  @Test
  void iotaAndSinusoidal() {
    int[] ids = new int[12];
    Kernels32.iota(10, ids, 2);
    int[] ids64 = new int[12];
    Kernels64.iota(10, ids64, 2);
    assertArrayEquals(new int[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ids);
    assertArrayEquals(ids, ids64);
    for (int dim : new int[] {1, 7, 64}) {
      int T = 50;
      double[] o64 = new double[T * dim + OFF];
      float[] o32 = new float[T * dim + OFF];
      Kernels64.sinusoidal(T, dim, o64, OFF);
      Kernels32.sinusoidal(T, dim, o32, OFF);
      same("sinusoidal " + dim, o64, o32);
      // PE(pos, 2i) = sin(pos / 10000^(2i/dim)), PE(pos, 2i+1) = cos(...)
      int pos = 17;
      for (int j = 0; j < dim; j++) {
        int i2 = j - j % 2; // the 2i of PE(pos, 2i) and PE(pos, 2i+1)
        double angle = pos / Math.pow(10000, (double) i2 / dim);
        assertEquals(
            j % 2 == 0 ? Math.sin(angle) : Math.cos(angle), o64[OFF + pos * dim + j], 1e-15);
      }
    }
  }

  @Test
  void crossEntropyAndBackward() {
    long seed = 100;
    int[][] cases = {{1, 1}, {1, 7}, {7, 33}, {33, 129}, {13, 5000}, {5, 50257}};
    for (int[] c : cases) {
      int rows = c[0];
      int V = c[1];
      double[] logits = TestData.uniform(seed++, rows * V + 2 * OFF, -10, 10);
      int[] targets = TestData.ints(seed++, rows + 1, V);
      if (rows > 2) {
        targets[2] = -100;
      }
      for (double eps : new double[] {0, 0.1}) {
        double[] lse64 = new double[rows + 1];
        float[] lse32 = new float[rows + 1];
        double l64 = Kernels64.crossEntropy(rows, V, logits, OFF, targets, 1, -100, eps, lse64, 1);
        double l32 =
            Kernels32.crossEntropy(rows, V, f(logits), OFF, targets, 1, -100, eps, lse32, 1);
        String what = "crossEntropy " + rows + "x" + V + " eps=" + eps;
        assertClose(what, l64, l32, 1e-5, 1e-5);
        assertClose(what + " lse", lse64, lse32, 1e-6, 1e-6);
        assertEquals(
            Kernels64.countValid(rows, targets, 1, -100),
            Kernels32.countValid(rows, targets, 1, -100));
        double[] dl = data(seed++, rows * V);
        double[] dl64 = dl.clone();
        float[] dl32 = f(dl);
        Kernels64.crossEntropyBackward(
            rows, V, logits, OFF, targets, 1, -100, eps, lse64, 1, 0.25, dl64, OFF);
        Kernels32.crossEntropyBackward(
            rows, V, f(logits), OFF, targets, 1, -100, eps, lse32, 1, 0.25, dl32, OFF);
        assertClose(what + " backward", dl64, dl32, 1e-5, 1e-6);
      }
    }
  }

  @Test
  void badTargetsAreRejected() {
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.crossEntropy(
            3, 4, new float[12], 0, new int[] {0, -100, 4}, 0, -100, 0, new float[3], 0));
    assertEquals(
        "target 4 in row 2 is outside the classes [0, 4) and is not the ignore index -100",
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels64.crossEntropy(
            1, 4, new double[4], 0, new int[] {-1}, 0, -100, 0, new double[1], 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.crossEntropyBackward(
            1, 4, new float[4], 0, new int[] {7}, 0, -100, 0, new float[1], 0, 1, new float[4], 0));
    assertEquals(2, Kernels32.countValid(4, new int[] {1, -100, 3, -100}, 0, -100));
  }

  @Test
  void sums() {
    long seed = 110;
    for (int n : new int[] {0, 1, 7, 33, 129, 1000, 100_000, 1_000_003}) {
      double[] x = data(seed++, n);
      double abs = 0;
      for (int i = OFF; i < OFF + n; i++) {
        abs += Math.abs(x[i]);
      }
      assertClose(
          "sum " + n, Kernels64.sum(n, x, OFF), Kernels32.sum(n, f(x), OFF), 0, 1e-6 * abs + 1e-12);
      double sq = Kernels64.sumSquares(n, x, OFF);
      assertClose("sumSquares " + n, sq, Kernels32.sumSquares(n, f(x), OFF), 1e-6, 1e-12);
    }
  }

  @Test
  void adamw() {
    long seed = 120;
    for (int n : SIZES) {
      double[] p = data(seed++, n);
      double[] g = data(seed++, n);
      double[] m = TestData.uniform(seed++, n + 2 * OFF, -0.1, 0.1);
      double[] v = TestData.uniform(seed++, n + 2 * OFF, 0, 0.1);
      for (int step : new int[] {1, 10}) {
        double[] p64 = p.clone();
        double[] m64 = m.clone();
        double[] v64 = v.clone();
        float[] p32 = f(p);
        float[] m32 = f(m);
        float[] v32 = f(v);
        Kernels64.adamw(
            n, p64, OFF, g, OFF, m64, OFF, v64, OFF, 1e-3, 0.9, 0.999, 1e-8, 0.01, step);
        Kernels32.adamw(
            n, p32, OFF, f(g), OFF, m32, OFF, v32, OFF, 1e-3, 0.9, 0.999, 1e-8, 0.01, step);
        same("adamw p " + n + " step " + step, p64, p32);
        same("adamw m " + n + " step " + step, m64, m32);
        same("adamw v " + n + " step " + step, v64, v32);
      }
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.adamw(
            1,
            new float[1],
            0,
            new float[1],
            0,
            new float[1],
            0,
            new float[1],
            0,
            1e-3,
            0.9,
            0.999,
            1e-8,
            0,
            0));
  }

  @Test
  void adamwFirstStepMovesByLearningRate() {
    // With m = v = 0 and no decay, the first bias-corrected step is lr·g/(|g| + eps) ≈ lr·sign(g).
    float[] p = {1f, 1f};
    float[] g = {0.5f, -2f};
    Kernels32.adamw(2, p, 0, g, 0, new float[2], 0, new float[2], 0, 0.1, 0.9, 0.999, 1e-8, 0, 1);
    assertEquals(0.9f, p[0], 1e-6f);
    assertEquals(1.1f, p[1], 1e-6f);
  }
}
