package dev.kiln.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * Every {@link Kernels64} backward kernel against central finite differences of its forward kernel
 * ({@code h = 1e-6}, tolerance {@code 1e-6·max(1, |g|)}) for the scalar loss {@code L = Σ w·out} with
 * random weights {@code w}. Gradient buffers start filled with random values and the check is on
 * {@code after - before}, so accumulation is verified at the same time. Attention has its own test.
 */
class Kernels64GradientTest {
  static final double H = 1e-6;
  static final double TOL = 1e-6;

  /** The loss {@code Σ w[i]·out[i]}. */
  static double dot(double[] w, double[] out) {
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += w[i] * out[i];
    }
    return s;
  }

  /**
   * Compares {@code grad - pre} with the central difference of {@code loss} for every element of
   * {@code x[from, to)}; {@code grad} and {@code pre} are indexed like {@code x}.
   */
  static void check(
      String what, double[] x, int from, int to, DoubleSupplier loss, double[] grad, double[] pre) {
    for (int i = from; i < to; i++) {
      double saved = x[i];
      x[i] = saved + H;
      double lp = loss.getAsDouble();
      x[i] = saved - H;
      double lm = loss.getAsDouble();
      x[i] = saved;
      double fd = (lp - lm) / (2 * H);
      double g = grad[i] - (pre == null ? 0 : pre[i]);
      if (!(Math.abs(fd - g) <= TOL * Math.max(1, Math.abs(fd)))) {
        fail(what + ": d/dx[" + i + "] analytic " + g + ", finite difference " + fd);
      }
    }
  }

  /** Values in [-2, 2] kept at least 0.01 away from 0 (where relu has its kink). */
  static double[] awayFromZero(long seed, int n) {
    double[] x = TestData.uniform(seed, n, -2, 2);
    for (int i = 0; i < n; i++) {
      if (Math.abs(x[i]) < 0.01) {
        x[i] = 0.5;
      }
    }
    return x;
  }

  @Test
  void gemmTransposesGiveItsGradients() {
    int M = 5;
    int N = 4;
    int K = 3;
    double[] a = TestData.normal(1, M * K);
    double[] b = TestData.normal(2, K * N);
    double[] w = TestData.normal(3, M * N);
    double[] c = new double[M * N];
    DoubleSupplier loss = () -> {
      Kernels64.gemm(false, false, M, N, K, a, 0, K, b, 0, N, c, 0, N, false);
      return dot(w, c);
    };
    double[] preA = TestData.normal(4, M * K);
    double[] preB = TestData.normal(5, K * N);
    double[] da = preA.clone();
    double[] db = preB.clone();
    Kernels64.gemm(false, true, M, K, N, w, 0, N, b, 0, N, da, 0, K, true); // dA += dC·Bᵀ
    Kernels64.gemm(true, false, K, N, M, a, 0, K, w, 0, N, db, 0, N, true); // dB += Aᵀ·dC
    check("gemm dA", a, 0, a.length, loss, da, preA);
    check("gemm dB", b, 0, b.length, loss, db, preB);
  }

  @Test
  void biasBroadcastAndMul() {
    int rows = 4;
    int n = 5;
    double[] c = TestData.normal(10, rows * n);
    double[] bias = TestData.normal(11, n);
    double[] w = TestData.normal(12, rows * n);
    double[] out = new double[rows * n];
    DoubleSupplier loss = () -> {
      System.arraycopy(c, 0, out, 0, out.length);
      Kernels64.addBias(rows, n, out, 0, bias, 0);
      return dot(w, out);
    };
    double[] pre = TestData.normal(13, n);
    double[] db = pre.clone();
    Kernels64.biasBackward(rows, n, w, 0, db, 0);
    check("biasBackward", bias, 0, n, loss, db, pre);

    for (int bn : new int[] {rows * n, n, 1}) {
      double[] a = TestData.normal(14, rows * n);
      double[] b = TestData.normal(15, bn);
      for (int op = 0; op < 3; op++) {
        int o = op;
        DoubleSupplier l2 = () -> {
          switch (o) {
            case 0 -> Kernels64.add(rows * n, a, 0, b, 0, bn, out, 0);
            case 1 -> Kernels64.sub(rows * n, a, 0, b, 0, bn, out, 0);
            default -> Kernels64.mul(rows * n, a, 0, b, 0, bn, out, 0);
          }
          return dot(w, out);
        };
        double[] preA = TestData.normal(16, rows * n);
        double[] preB = TestData.normal(17, bn);
        double[] da = preA.clone();
        double[] dbb = preB.clone();
        if (o == 2) {
          Kernels64.mulBackward(rows * n, bn, w, 0, a, 0, b, 0, da, 0, dbb, 0);
        } else {
          Kernels64.accumulate(rows * n, 1, w, 0, da, 0);
          Kernels64.reduceBroadcast(rows * n, bn, o == 0 ? 1 : -1, w, 0, dbb, 0);
        }
        check("op" + o + " da bn=" + bn, a, 0, a.length, l2, da, preA);
        check("op" + o + " db bn=" + bn, b, 0, bn, l2, dbb, preB);
      }
    }
  }

  @Test
  void activations() {
    int n = 40;
    double[] x = awayFromZero(20, n);
    x[0] = -9; // deep in GELU's tail
    x[1] = 7;
    double[] w = TestData.normal(21, n);
    double[] out = new double[n];
    for (int act = 0; act < 4; act++) {
      int a = act;
      DoubleSupplier loss = () -> {
        switch (a) {
          case 0 -> Kernels64.relu(n, x, 0, out, 0);
          case 1 -> Kernels64.gelu(n, x, 0, out, 0);
          case 2 -> Kernels64.geluTanh(n, x, 0, out, 0);
          default -> Kernels64.tanh(n, x, 0, out, 0);
        }
        return dot(w, out);
      };
      double[] pre = TestData.normal(22, n);
      double[] dx = pre.clone();
      switch (a) {
        case 0 -> Kernels64.reluBackward(n, x, 0, w, 0, dx, 0);
        case 1 -> Kernels64.geluBackward(n, x, 0, w, 0, dx, 0);
        case 2 -> Kernels64.geluTanhBackward(n, x, 0, w, 0, dx, 0);
        default -> {
          double[] y = new double[n];
          Kernels64.tanh(n, x, 0, y, 0);
          Kernels64.tanhBackward(n, y, 0, w, 0, dx, 0);
        }
      }
      check("activation " + a, x, 0, n, loss, dx, pre);
    }
  }

  @Test
  void geluMatchesItsDefinition() {
    double[] x = {-3, -0.5, 0, 0.5, 3};
    double[] out = new double[x.length];
    double[] tanhOut = new double[x.length];
    Kernels64.gelu(x.length, x, 0, out, 0);
    Kernels64.geluTanh(x.length, x, 0, tanhOut, 0);
    for (int i = 0; i < x.length; i++) {
      assertEquals(0.5 * x[i] * (1 + Erf.erf(x[i] / Math.sqrt(2))), out[i], 1e-16);
      double u = Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * x[i] * x[i] * x[i]);
      assertEquals(0.5 * x[i] * (1 + Math.tanh(u)), tanhOut[i], 1e-16);
    }
    assertEquals(-0.5 * 0.3085375387259869, out[1], 1e-16); // x·Φ(x) at x = -0.5
  }

  @Test
  void softmax() {
    for (int[] s : new int[][] {{1, 1}, {3, 7}, {2, 33}}) {
      int rows = s[0];
      int dim = s[1];
      double[] x = TestData.uniform(30, rows * dim, -4, 4);
      double[] w = TestData.normal(31, rows * dim);
      double[] out = new double[rows * dim];
      DoubleSupplier loss = () -> {
        Kernels64.softmax(rows, dim, x, 0, out, 0);
        return dot(w, out);
      };
      double[] y = new double[rows * dim];
      Kernels64.softmax(rows, dim, x, 0, y, 0);
      double[] pre = TestData.normal(32, rows * dim);
      double[] dx = pre.clone();
      Kernels64.softmaxBackward(rows, dim, y, 0, w, 0, dx, 0);
      check("softmax " + rows + "x" + dim, x, 0, x.length, loss, dx, pre);
    }
  }

  @Test
  void layerNorm() {
    for (int[] s : new int[][] {{1, 1}, {3, 7}, {2, 33}}) {
      int rows = s[0];
      int dim = s[1];
      double[] x = TestData.uniform(40, rows * dim, -2, 3);
      double[] gamma = TestData.normal(41, dim);
      double[] beta = TestData.normal(42, dim);
      double[] w = TestData.normal(43, rows * dim);
      double[] out = new double[rows * dim];
      double[] mean = new double[rows];
      double[] rstd = new double[rows];
      DoubleSupplier loss = () -> {
        Kernels64.layerNorm(rows, dim, x, 0, gamma, 0, beta, 0, 1e-5, out, 0, mean, 0, rstd, 0);
        return dot(w, out);
      };
      double _ = loss.getAsDouble(); // fills mean and rstd for the backward
      double[] preX = TestData.normal(44, rows * dim);
      double[] preG = TestData.normal(45, dim);
      double[] preB = TestData.normal(46, dim);
      double[] dx = preX.clone();
      double[] dg = preG.clone();
      double[] db = preB.clone();
      Kernels64.layerNormBackward(
          rows, dim, w, 0, x, 0, gamma, 0, mean, 0, rstd, 0, dx, 0, dg, 0, db, 0);
      String what = "layerNorm " + rows + "x" + dim;
      check(what + " dx", x, 0, x.length, loss, dx, preX);
      check(what + " dgamma", gamma, 0, dim, loss, dg, preG);
      check(what + " dbeta", beta, 0, dim, loss, db, preB);

      // Without the affine part.
      DoubleSupplier plain = () -> {
        Kernels64.layerNorm(rows, dim, x, 0, null, 0, null, 0, 1e-5, out, 0, mean, 0, rstd, 0);
        return dot(w, out);
      };
      double _ = plain.getAsDouble();
      double[] dx2 = preX.clone();
      Kernels64.layerNormBackward(
          rows, dim, w, 0, x, 0, null, 0, mean, 0, rstd, 0, dx2, 0, null, 0, null, 0);
      check(what + " dx (no affine)", x, 0, x.length, plain, dx2, preX);
    }
  }

  @Test
  void dropout() {
    int n = 50;
    double[] x = TestData.normal(50, n);
    double[] w = TestData.normal(51, n);
    double[] out = new double[n];
    for (double p : new double[] {0, 0.4}) {
      DoubleSupplier loss = () -> {
        Kernels64.dropout(n, p, 77, x, 0, out, 0);
        return dot(w, out);
      };
      double[] pre = TestData.normal(52, n);
      double[] dx = pre.clone();
      Kernels64.dropoutBackward(n, p, 77, w, 0, dx, 0);
      check("dropout p=" + p, x, 0, n, loss, dx, pre);
    }
  }

  @Test
  void embeddingAndCopyAxis() {
    int n = 6;
    int vocab = 4;
    int dim = 3;
    int[] ids = {1, 3, 1, 0, 1, 2};
    double[] table = TestData.normal(60, vocab * dim);
    double[] w = TestData.normal(61, n * dim);
    double[] out = new double[n * dim];
    DoubleSupplier loss = () -> {
      Kernels64.embedding(n, ids, 0, table, 0, vocab, dim, out, 0);
      return dot(w, out);
    };
    double[] pre = TestData.normal(62, vocab * dim);
    double[] dt = pre.clone();
    Kernels64.embeddingBackward(n, ids, 0, w, 0, dt, 0, vocab, dim);
    check("embedding", table, 0, table.length, loss, dt, pre);

    // copyAxis's adjoint is copyAxis the other way round with accumulate = true.
    int outer = 2;
    int len = 2;
    int inner = 3;
    double[] src = TestData.normal(63, outer * 5 * inner);
    double[] dst = new double[outer * 3 * inner];
    double[] w2 = TestData.normal(64, dst.length);
    DoubleSupplier l2 = () -> {
      Kernels64.copyAxis(outer, len, inner, src, 0, 5, 2, dst, 0, 3, 1, false);
      return dot(w2, dst);
    };
    double[] preS = TestData.normal(65, src.length);
    double[] ds = preS.clone();
    Kernels64.copyAxis(outer, len, inner, w2, 0, 3, 1, ds, 0, 5, 2, true);
    check("copyAxis", src, 0, src.length, l2, ds, preS);
  }

  @Test
  void crossEntropy() {
    int rows = 5;
    int V = 7;
    double[] logits = TestData.uniform(70, rows * V, -3, 3);
    int[] targets = {3, -100, 0, 6, 2};
    for (double eps : new double[] {0, 0.1}) {
      double[] lse = new double[rows];
      DoubleSupplier loss =
          () -> Kernels64.crossEntropy(rows, V, logits, 0, targets, 0, -100, eps, lse, 0);
      double _ = loss.getAsDouble(); // fills lse for the backward
      for (double gradScale : new double[] {1, 0.5}) {
        double[] pre = TestData.normal(71, rows * V);
        double[] dl = pre.clone();
        Kernels64.crossEntropyBackward(
            rows, V, logits, 0, targets, 0, -100, eps, lse, 0, gradScale, dl, 0);
        for (int i = 0; i < dl.length; i++) {
          dl[i] = pre[i] + (dl[i] - pre[i]) / gradScale;
        }
        check(
            "crossEntropy eps=" + eps + " scale=" + gradScale,
            logits,
            0,
            logits.length,
            loss,
            dl,
            pre);
      }
      // The ignored row contributes no loss and no gradient.
      double[] dl = new double[rows * V];
      Kernels64.crossEntropyBackward(rows, V, logits, 0, targets, 0, -100, eps, lse, 0, 1, dl, 0);
      for (int j = 0; j < V; j++) {
        assertEquals(0.0, dl[V + j]);
      }
    }
    // Smoothing semantics: loss = (1-ε)·nll + ε·(lse - mean z).
    double[] lse = new double[1];
    double[] z = {1, 2, 3};
    double l = Kernels64.crossEntropy(1, 3, z, 0, new int[] {0}, 0, -1, 0.3, lse, 0);
    double lseExact = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    assertEquals(lseExact, lse[0], 1e-15);
    assertEquals(0.7 * (lseExact - 1) + 0.3 * (lseExact - 2), l, 1e-15);
  }
}
