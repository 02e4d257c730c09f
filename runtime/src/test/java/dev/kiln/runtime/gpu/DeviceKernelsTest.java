package dev.kiln.runtime.gpu;

import static dev.kiln.runtime.gpu.DeviceFixture.ints;
import static dev.kiln.runtime.gpu.DeviceFixture.normal;
import static dev.kiln.runtime.gpu.DeviceFixture.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.cpu.Kernels64;
import dev.kiln.runtime.gpu.Device.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@link DeviceKernels} method but attention against {@link Kernels32} on the same seeded
 * inputs: odd sizes that fill no work-group, nonzero offsets, outputs compared as whole buffers (so a
 * write outside the output shows), worst relative error at most 1e-5 ({@link DeviceFixture#relError})
 * unless noted, dropout masks bit for bit.
 */
class DeviceKernelsTest {
  private static final boolean[] BOOLS = {false, true};

  private static DeviceFixture fx;
  private static DeviceKernels dk;

  @BeforeAll
  static void open() {
    fx = DeviceFixture.openOrSkip();
    dk = fx.kernels;
  }

  @AfterAll
  static void close() {
    if (fx != null) {
      System.out.print(
          "DeviceKernelsTest worst relative errors on " + fx.device.name() + ":\n" + fx.report());
      fx.close();
    }
  }

  @AfterEach
  void free() {
    fx.freeBuffers();
  }

  // ---------------------------------------------------------------------------------------- gemm

  @Test
  void gemmEveryLayoutWithAndWithoutAccumulate() {
    for (boolean ta : BOOLS) {
      for (boolean tb : BOOLS) {
        for (boolean acc : BOOLS) {
          gemmCase(ta, tb, acc, 37, 53, 29, 1e-5);
        }
      }
    }
  }

  @Test
  void gemmLargeK() {
    for (boolean ta : BOOLS) {
      for (boolean tb : BOOLS) {
        gemmCase(ta, tb, true, 70, 65, 1500, 1e-4);
      }
    }
  }

  @Test
  void gemmEmptyKClearsOrKeeps() {
    gemmCase(false, false, false, 5, 6, 0, 0);
    gemmCase(false, false, true, 5, 6, 0, 0);
  }

  private static String layout(boolean ta, boolean tb) {
    return (ta ? "T" : "N") + (tb ? "T" : "N");
  }

  private void gemmCase(boolean ta, boolean tb, boolean acc, int M, int N, int K, double tol) {
    int lda = (ta ? M : K) + 3;
    int ldb = (tb ? K : N) + 2;
    int ldc = N + 4;
    int aOff = 5;
    int bOff = 7;
    int cOff = 11;
    float[] a = normal(1, aOff + (ta ? K : M) * lda, 1);
    float[] b = normal(2, bOff + (tb ? N : K) * ldb, 1);
    float[] c = normal(3, cOff + M * ldc + 3, 1);
    float[] want = c.clone();
    Kernels32.gemm(ta, tb, M, N, K, a, aOff, lda, b, bOff, ldb, want, cOff, ldc, acc);
    Buffer dc = fx.up(c);
    dk.gemm(ta, tb, M, N, K, fx.up(a), aOff, lda, fx.up(b), bOff, ldb, dc, cOff, ldc, acc);
    String what = "gemm " + layout(ta, tb) + (K > 1000 ? " K=" + K : "");
    fx.check(what, want, fx.down(dc, c.length), tol);
  }

  @Test
  void gemmBatchedWithSharedAndStridedB() {
    int batch = 3;
    int M = 21;
    int N = 70;
    int K = 19;
    for (boolean ta : BOOLS) {
      for (boolean tb : BOOLS) {
        for (int sharedB = 0; sharedB < 2; sharedB++) {
          int lda = (ta ? M : K) + 1;
          int ldb = (tb ? K : N) + 3;
          int ldc = N + 2;
          int strideA = (ta ? K : M) * lda + 5;
          int strideB = sharedB == 1 ? 0 : (tb ? N : K) * ldb + 1;
          int strideC = M * ldc + 7;
          float[] a = normal(4, 2 + batch * strideA, 1);
          float[] b = normal(5, 3 + (tb ? N : K) * ldb + (batch - 1) * strideB, 1);
          float[] c = normal(6, 4 + batch * strideC, 1);
          float[] want = c.clone();
          Kernels32.gemmBatched(
              batch, ta, tb, M, N, K, a, 2, strideA, lda, b, 3, strideB, ldb, want, 4, strideC, ldc,
              true);
          Buffer dc = fx.up(c);
          dk.gemmBatched(
              batch, ta, tb, M, N, K, fx.up(a), 2, strideA, lda, fx.up(b), 3, strideB, ldb, dc, 4,
              strideC, ldc, true);
          fx.check("gemmBatched " + layout(ta, tb), want, fx.down(dc, c.length), 1e-5);
        }
      }
    }
  }

  // -------------------------------------------------------------------------------- bias,
  // embedding

  @Test
  void addBiasAndBiasBackward() {
    for (int rows : new int[] {7, 300}) {
      int n = 53;
      float[] c = normal(7, 3 + rows * n, 1);
      float[] bias = normal(8, 2 + n, 1);
      float[] want = c.clone();
      Kernels32.addBias(rows, n, want, 3, bias, 2);
      Buffer dc = fx.up(c);
      dk.addBias(rows, n, dc, 3, fx.up(bias), 2);
      fx.check("addBias", want, fx.down(dc, c.length), 1e-5);

      float[] db = normal(9, 4 + n + 1, 1);
      float[] wantDb = db.clone();
      Kernels32.biasBackward(rows, n, c, 3, wantDb, 4);
      Buffer ddb = fx.up(db);
      dk.biasBackward(rows, n, fx.up(c), 3, ddb, 4);
      fx.check("biasBackward", wantDb, fx.down(ddb, db.length), 1e-5);
    }
  }

  @Test
  void embeddingAndBackwardWithRepeatedIds() {
    int n = 300;
    int vocab = 17;
    int dim = 37;
    int[] ids = ints(10, n + 2, vocab);
    float[] table = normal(11, 5 + vocab * dim, 1);
    float[] out = normal(12, 3 + n * dim + 1, 1);
    float[] want = out.clone();
    Kernels32.embedding(n, ids, 2, table, 5, vocab, dim, want, 3);
    Buffer dout = fx.up(out);
    Buffer dids = dk.ints(ids);
    dk.embedding(n, dids, 2, fx.up(table), 5, vocab, dim, dout, 3);
    assertArrayEquals(want, fx.down(dout, out.length), "embedding copies rows exactly");
    fx.exact("embedding");

    float[] grad = normal(13, 1 + n * dim, 1);
    float[] dtable = normal(14, 5 + vocab * dim, 1);
    float[] wantTable = dtable.clone();
    Kernels32.embeddingBackward(n, ids, 2, grad, 1, wantTable, 5, vocab, dim);
    Buffer dtab = fx.up(dtable);
    dk.embeddingBackward(n, dids, 2, fx.up(grad), 1, dtab, 5, vocab, dim);
    fx.check("embeddingBackward", wantTable, fx.down(dtab, dtable.length), 1e-5);
  }

  @Test
  void badIdsAndTargetsAreRejectedWithTheCpuMessageBeforeAnyWrite() {
    int[] ids = {1, 2, 9, 0};
    float[] table = normal(15, 9 * 4, 1);
    float[] out = new float[4 * 4];
    IllegalArgumentException cpu = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.embedding(4, ids, 0, table, 0, 9, 4, out, 0));
    Buffer dout = fx.up(out);
    Buffer dids = dk.ints(ids);
    Buffer dtable = fx.up(table);
    IllegalArgumentException dev = assertThrows(
        IllegalArgumentException.class, () -> dk.embedding(4, dids, 0, dtable, 0, 9, 4, dout, 0));
    assertEquals(cpu.getMessage(), dev.getMessage());
    assertArrayEquals(new float[16], fx.down(dout, 16));
    assertThrows(
        IllegalArgumentException.class,
        () -> dk.embeddingBackward(4, dids, 0, dout, 0, dtable, 0, 9, 4));

    int[] targets = {0, -100, 3, 5};
    float[] logits = normal(16, 4 * 5, 1);
    IllegalArgumentException cpuT = assertThrows(
        IllegalArgumentException.class,
        () -> Kernels32.crossEntropy(4, 5, logits, 0, targets, 0, -100, 0, new float[4], 0));
    Buffer dt = dk.ints(targets);
    Buffer dl = fx.up(logits);
    Buffer dlse = fx.up(new float[4]);
    IllegalArgumentException devT = assertThrows(
        IllegalArgumentException.class,
        () -> dk.crossEntropyMean(4, 5, dl, 0, dt, 0, -100, 0, dlse, 0, 3, dlse, 0));
    assertEquals(cpuT.getMessage(), devT.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> dk.crossEntropyBackward(4, 5, dl, 0, dt, 0, -100, 0, dlse, 0, dlse, 0, 3, dl, 0));
  }

  @Test
  void intsReusesOneBufferPerArrayAndRefillsIt() {
    assertNull(dk.ints(null));
    int[] host = {1, 2, 3};
    Buffer first = dk.ints(host);
    host[0] = 7;
    assertSame(first, dk.ints(host), "same array, same buffer");
    float[] table = uniform(17, 8 * 2, -1, 1);
    Buffer out = fx.up(new float[6]);
    dk.embedding(3, first, 0, fx.up(table), 0, 8, 2, out, 0);
    float[] want = new float[6];
    Kernels32.embedding(3, host, 0, table, 0, 8, 2, want, 0);
    assertArrayEquals(want, fx.down(out, 6), "the new contents were uploaded");
    assertNotSame(first, dk.ints(new int[] {1, 2, 3}), "another array, another buffer");
    int[] longer = new int[40];
    longer[39] = 9;
    Buffer grown = dk.ints(longer);
    assertThrows(
        IllegalArgumentException.class,
        () -> dk.embedding(40, grown, 0, out, 0, 8, 2, out, 0),
        "the grown buffer's contents are what is checked");
  }

  @Test
  void sinusoidalEqualsTheCpuTableAsItGrows() {
    int dim = 10;
    float[] out = new float[3 + 7 * dim];
    float[] want = out.clone();
    Buffer dout = fx.up(out);
    Kernels32.sinusoidal(7, dim, want, 3);
    dk.sinusoidal(7, dim, dout, 3);
    assertArrayEquals(want, fx.down(dout, out.length));
    Kernels32.sinusoidalFrom(500, 7, dim, want, 3);
    dk.sinusoidalFrom(500, 7, dim, dout, 3);
    assertArrayEquals(want, fx.down(dout, out.length));
    fx.exact("sinusoidal");
  }

  // ----------------------------------------------------------------------------------- pointwise

  @Test
  void addSubMulWithBroadcast() {
    int n = 7 * 53;
    for (int bn : new int[] {n, 53, 7, 1}) {
      float[] a = normal(20, 3 + n, 1);
      float[] b = normal(21, 4 + bn, 1);
      float[] out = normal(22, 6 + n + 2, 1);
      for (int op = 0; op < 3; op++) {
        float[] want = out.clone();
        Buffer dout = fx.up(out);
        Buffer da = fx.up(a);
        Buffer db = fx.up(b);
        switch (op) {
          case 0 -> {
            Kernels32.add(n, a, 3, b, 4, bn, want, 6);
            dk.add(n, da, 3, db, 4, bn, dout, 6);
          }
          case 1 -> {
            Kernels32.sub(n, a, 3, b, 4, bn, want, 6);
            dk.sub(n, da, 3, db, 4, bn, dout, 6);
          }
          default -> {
            Kernels32.mul(n, a, 3, b, 4, bn, want, 6);
            dk.mul(n, da, 3, db, 4, bn, dout, 6);
          }
        }
        fx.check(new String[] {"add", "sub", "mul"}[op], want, fx.down(dout, out.length), 1e-5);
      }
      // out aliasing a
      float[] want = a.clone();
      Kernels32.mul(n, want, 3, b, 4, bn, want, 3);
      Buffer da = fx.up(a);
      dk.mul(n, da, 3, fx.up(b), 4, bn, da, 3);
      fx.check("mul", want, fx.down(da, a.length), 1e-5);
    }
  }

  @Test
  void scaleFillAccumulateAccumulateScalar() {
    int n = 1001;
    float[] x = normal(23, 2 + n, 1);
    float[] y = normal(24, 5 + n + 1, 1);
    float[] want = y.clone();
    Buffer dy = fx.up(y);
    Buffer dx = fx.up(x);
    Kernels32.scale(n, x, 2, -0.37, want, 5);
    dk.scale(n, dx, 2, -0.37, dy, 5);
    fx.check("scale", want, fx.down(dy, y.length), 1e-5);
    Kernels32.fill(n - 3, want, 6, 2.5);
    dk.fill(n - 3, dy, 6, 2.5);
    fx.check("fill", want, fx.down(dy, y.length), 0);
    Kernels32.accumulate(n, 0.3, x, 2, want, 5);
    dk.accumulate(n, 0.3, dx, 2, dy, 5);
    fx.check("accumulate", want, fx.down(dy, y.length), 1e-5);
    float[] s = {0, 0, 3.75f};
    Kernels32.accumulateScalar(n, 3.75 / 7, want, 5);
    dk.accumulateScalar(n, fx.up(s), 2, 7, dy, 5);
    fx.check("accumulateScalar", want, fx.down(dy, y.length), 1e-5);
  }

  @Test
  void reduceBroadcastAndMulBackward() {
    for (int rows : new int[] {3, 301}) {
      for (int bn : new int[] {1, 7, 53}) {
        int n = rows * bn;
        float[] dout = normal(25, 2 + n, 1);
        float[] a = normal(26, 1 + n, 1);
        float[] b = normal(27, 3 + bn, 1);
        float[] db = normal(28, 4 + bn + 1, 1);
        float[] want = db.clone();
        Kernels32.reduceBroadcast(n, bn, 0.5, dout, 2, want, 4);
        Buffer ddb = fx.up(db);
        Buffer ddout = fx.up(dout);
        dk.reduceBroadcast(n, bn, 0.5, ddout, 2, ddb, 4);
        fx.check("reduceBroadcast", want, fx.down(ddb, db.length), 1e-5);

        float[] da = normal(29, 5 + n, 1);
        float[] wantDa = da.clone();
        float[] wantDb = db.clone();
        Kernels32.mulBackward(n, bn, dout, 2, a, 1, b, 3, wantDa, 5, wantDb, 4);
        Buffer dda = fx.up(da);
        ddb = fx.up(db);
        dk.mulBackward(n, bn, ddout, 2, fx.up(a), 1, fx.up(b), 3, dda, 5, ddb, 4);
        fx.check("mulBackward da", wantDa, fx.down(dda, da.length), 1e-5);
        fx.check("mulBackward db", wantDb, fx.down(ddb, db.length), 1e-5);
      }
    }
    // bn == n (no broadcast) and a skipped da
    int n = 99;
    float[] dout = normal(30, n, 1);
    float[] a = normal(31, n, 1);
    float[] db = normal(32, n, 1);
    float[] want = db.clone();
    Kernels32.mulBackward(n, n, dout, 0, a, 0, a, 0, null, 0, want, 0);
    Buffer ddb = fx.up(db);
    dk.mulBackward(n, n, fx.up(dout), 0, fx.up(a), 0, fx.up(a), 0, null, 0, ddb, 0);
    fx.check("mulBackward db", want, fx.down(ddb, n), 1e-5);
    float[] wantRb = db.clone();
    Kernels32.reduceBroadcast(n, n, -2, dout, 0, wantRb, 0);
    Buffer drb = fx.up(db);
    dk.reduceBroadcast(n, n, -2, fx.up(dout), 0, drb, 0);
    fx.check("reduceBroadcast", wantRb, fx.down(drb, n), 1e-5);
  }

  // ---------------------------------------------------------------------------------- activations

  /**
   * Activations against Kernels32 and against the double-precision Kernels64 (rounded to float). The
   * CPU's vector tanh-GELU gradient is itself up to 4.4e-5 off the exact value where 1 - tanh² cancels
   * (x near -0.74), which the device's sigmoid form avoids, so that one comparison with Kernels32 gets
   * 1e-4; against Kernels64 every activation is held to 1e-5.
   */
  @Test
  void activationsAndBackward() {
    int n = 2003;
    float[] x = normal(33, 3 + n, 2.5);
    float[] dout = normal(34, 1 + n, 1);
    String[] names = {"relu", "gelu", "geluTanh", "tanh"};
    for (int fn = 0; fn < 4; fn++) {
      float[] out = normal(35, 4 + n, 1);
      float[] want = out.clone();
      double[] exact = toDouble(out);
      Buffer dOut = fx.up(out);
      Buffer dX = fx.up(x);
      double[] xd = toDouble(x);
      switch (fn) {
        case 0 -> {
          Kernels32.relu(n, x, 3, want, 4);
          Kernels64.relu(n, xd, 3, exact, 4);
          dk.relu(n, dX, 3, dOut, 4);
        }
        case 1 -> {
          Kernels32.gelu(n, x, 3, want, 4);
          Kernels64.gelu(n, xd, 3, exact, 4);
          dk.gelu(n, dX, 3, dOut, 4);
        }
        case 2 -> {
          Kernels32.geluTanh(n, x, 3, want, 4);
          Kernels64.geluTanh(n, xd, 3, exact, 4);
          dk.geluTanh(n, dX, 3, dOut, 4);
        }
        default -> {
          Kernels32.tanh(n, x, 3, want, 4);
          Kernels64.tanh(n, xd, 3, exact, 4);
          dk.tanh(n, dX, 3, dOut, 4);
        }
      }
      float[] got = fx.down(dOut, out.length);
      fx.check(names[fn], want, got, 1e-5);
      fx.check(names[fn] + " vs Kernels64", toFloat(exact), got, 1e-5);

      float[] dx = normal(36, 2 + n, 1);
      float[] wantDx = dx.clone();
      double[] exactDx = toDouble(dx);
      double[] doutd = toDouble(dout);
      Buffer dDx = fx.up(dx);
      Buffer dDout = fx.up(dout);
      switch (fn) {
        case 0 -> {
          Kernels32.reluBackward(n, x, 3, dout, 1, wantDx, 2);
          Kernels64.reluBackward(n, xd, 3, doutd, 1, exactDx, 2);
          dk.reluBackward(n, dX, 3, dDout, 1, dDx, 2);
        }
        case 1 -> {
          Kernels32.geluBackward(n, x, 3, dout, 1, wantDx, 2);
          Kernels64.geluBackward(n, xd, 3, doutd, 1, exactDx, 2);
          dk.geluBackward(n, dX, 3, dDout, 1, dDx, 2);
        }
        case 2 -> {
          Kernels32.geluTanhBackward(n, x, 3, dout, 1, wantDx, 2);
          Kernels64.geluTanhBackward(n, xd, 3, doutd, 1, exactDx, 2);
          dk.geluTanhBackward(n, dX, 3, dDout, 1, dDx, 2);
        }
        default -> {
          float[] y = new float[n];
          Kernels32.tanh(n, x, 3, y, 0);
          Kernels32.tanhBackward(n, y, 0, dout, 1, wantDx, 2);
          Kernels64.tanhBackward(n, toDouble(y), 0, doutd, 1, exactDx, 2);
          dk.tanhBackward(n, fx.up(y), 0, dDout, 1, dDx, 2);
        }
      }
      float[] gotDx = fx.down(dDx, dx.length);
      fx.check(names[fn] + "Backward", wantDx, gotDx, fn == 2 ? 1e-4 : 1e-5);
      fx.check(names[fn] + "Backward vs Kernels64", toFloat(exactDx), gotDx, 1e-5);
    }
  }

  private static double[] toDouble(float[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i];
    }
    return y;
  }

  private static float[] toFloat(double[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) x[i];
    }
    return y;
  }

  // ------------------------------------------------------------------------------------- row-wise

  @Test
  void softmaxAndBackward() {
    int rows = 37;
    for (int dim : new int[] {5, 301}) {
      float[] x = normal(37, 2 + rows * dim, 3);
      float[] y = normal(38, 3 + rows * dim, 1);
      float[] want = y.clone();
      Kernels32.softmax(rows, dim, x, 2, want, 3);
      Buffer dy = fx.up(y);
      dk.softmax(rows, dim, fx.up(x), 2, dy, 3);
      float[] got = fx.down(dy, y.length);
      fx.check("softmax", want, got, 1e-5);

      float[] dout = normal(39, rows * dim, 1);
      float[] dx = normal(40, 1 + rows * dim, 1);
      float[] wantDx = dx.clone();
      Kernels32.softmaxBackward(rows, dim, want, 3, dout, 0, wantDx, 1);
      Buffer ddx = fx.up(dx);
      dk.softmaxBackward(rows, dim, fx.up(want), 3, fx.up(dout), 0, ddx, 1);
      fx.check("softmaxBackward", wantDx, fx.down(ddx, dx.length), 1e-5);
    }
  }

  @Test
  void layerNormAndBackwardWithAndWithoutAffine() {
    int rows = 150;
    int dim = 77;
    float[] x = normal(41, 2 + rows * dim, 2);
    for (int i = 0; i < x.length; i++) {
      x[i] += 0.5f; // a nonzero mean
    }
    float[] gamma = normal(42, 1 + dim, 1);
    float[] beta = normal(43, 3 + dim, 1);
    float[] dout = normal(44, 4 + rows * dim, 1);
    for (int affine = 0; affine < 2; affine++) {
      float[] g = affine == 1 ? gamma : null;
      float[] be = affine == 1 ? beta : null;
      float[] out = new float[5 + rows * dim];
      float[] mean = new float[1 + rows];
      float[] rstd = new float[2 + rows];
      Kernels32.layerNorm(rows, dim, x, 2, g, 1, be, 3, 1e-5, out, 5, mean, 1, rstd, 2);
      Buffer dOut = fx.up(new float[out.length]);
      Buffer dMean = fx.up(new float[mean.length]);
      Buffer dRstd = fx.up(new float[rstd.length]);
      Buffer dX = fx.up(x);
      Buffer dG = g == null ? null : fx.up(g);
      Buffer dB = be == null ? null : fx.up(be);
      dk.layerNorm(rows, dim, dX, 2, dG, 1, dB, 3, 1e-5, dOut, 5, dMean, 1, dRstd, 2);
      fx.check("layerNorm", out, fx.down(dOut, out.length), 1e-5);
      fx.check("layerNorm mean", mean, fx.down(dMean, mean.length), 1e-5);
      fx.check("layerNorm rstd", rstd, fx.down(dRstd, rstd.length), 1e-5);

      float[] dx = normal(45, 1 + rows * dim, 1);
      float[] dgamma = normal(46, 2 + dim, 1);
      float[] dbeta = normal(47, 3 + dim, 1);
      float[] wantDx = dx.clone();
      float[] wantDg = dgamma.clone();
      float[] wantDb = dbeta.clone();
      Kernels32.layerNormBackward(
          rows, dim, dout, 4, x, 2, g, 1, mean, 1, rstd, 2, wantDx, 1, wantDg, 2, wantDb, 3);
      Buffer dDx = fx.up(dx);
      Buffer dDg = fx.up(dgamma);
      Buffer dDb = fx.up(dbeta);
      Buffer dDout = fx.up(dout);
      dk.layerNormBackward(
          rows,
          dim,
          dDout,
          4,
          dX,
          2,
          dG,
          1,
          fx.up(mean),
          1,
          fx.up(rstd),
          2,
          dDx,
          1,
          dDg,
          2,
          dDb,
          3);
      fx.check("layerNormBackward dx", wantDx, fx.down(dDx, dx.length), 1e-5);
      fx.check("layerNormBackward dgamma", wantDg, fx.down(dDg, dgamma.length), 1e-5);
      fx.check("layerNormBackward dbeta", wantDb, fx.down(dDb, dbeta.length), 1e-5);
    }
    // skipped outputs
    float[] mean = new float[rows];
    float[] rstd = new float[rows];
    Kernels32.layerNorm(
        rows, dim, x, 2, null, 0, null, 0, 1e-5, new float[rows * dim], 0, mean, 0, rstd, 0);
    float[] dgamma = normal(48, dim, 1);
    float[] want = dgamma.clone();
    Kernels32.layerNormBackward(
        rows, dim, dout, 4, x, 2, gamma, 1, mean, 0, rstd, 0, null, 0, want, 0, null, 0);
    Buffer dDg = fx.up(dgamma);
    dk.layerNormBackward(
        rows,
        dim,
        fx.up(dout),
        4,
        fx.up(x),
        2,
        fx.up(gamma),
        1,
        fx.up(mean),
        0,
        fx.up(rstd),
        0,
        null,
        0,
        dDg,
        0,
        null,
        0);
    fx.check("layerNormBackward dgamma", want, fx.down(dDg, dim), 1e-5);
  }

  // -------------------------------------------------------------------------------------- dropout

  @Test
  void dropoutMasksEqualTheCpuBitForBit() {
    int n = 5003;
    float[] x = normal(49, 3 + n, 1);
    for (double p : new double[] {0, 0.1, 0.5, 0.9, 1}) {
      long seed = 0x1234_5678_9ABCL + (long) (p * 10);
      float[] out = normal(50, 2 + n + 1, 1);
      float[] want = out.clone();
      Kernels32.dropout(n, p, seed, x, 3, want, 2);
      Buffer dOut = fx.up(out);
      dk.dropout(n, p, seed, fx.up(x), 3, dOut, 2);
      float[] got = fx.down(dOut, out.length);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i] == 0f, got[i] == 0f, "dropout p=" + p + " keep decision " + i);
      }
      fx.check("dropout", want, got, 1e-6);

      float[] dout = normal(51, 1 + n, 1);
      float[] dx = normal(52, 4 + n, 1);
      float[] wantDx = dx.clone();
      Kernels32.dropoutBackward(n, p, seed, dout, 1, wantDx, 4);
      Buffer dDx = fx.up(dx);
      dk.dropoutBackward(n, p, seed, fx.up(dout), 1, dDx, 4);
      fx.check("dropoutBackward", wantDx, fx.down(dDx, dx.length), 1e-5);
    }
    fx.exact("dropout keep decisions");
    Buffer b = fx.up(x);
    assertThrows(IllegalArgumentException.class, () -> dk.dropout(n, 1.5, 1, b, 0, b, 0));
  }

  // ------------------------------------------------------------------------------------- layout

  @Test
  void copyAxisSlicesAndAccumulates() {
    int outer = 3;
    int len = 5;
    int inner = 7;
    int srcAxis = 9;
    int dstAxis = 12;
    float[] src = normal(53, 2 + outer * srcAxis * inner, 1);
    for (boolean acc : BOOLS) {
      float[] dst = normal(54, 1 + outer * dstAxis * inner, 1);
      float[] want = dst.clone();
      Kernels32.copyAxis(outer, len, inner, src, 2, srcAxis, 3, want, 1, dstAxis, 6, acc);
      Buffer dDst = fx.up(dst);
      dk.copyAxis(outer, len, inner, fx.up(src), 2, srcAxis, 3, dDst, 1, dstAxis, 6, acc);
      fx.check("copyAxis", want, fx.down(dDst, dst.length), 1e-6);
    }
  }

  // ----------------------------------------------------------------------------------------- loss

  @Test
  void crossEntropyMeanAndBackward() {
    int rows = 37;
    int V = 501;
    int ignore = -100;
    float[] logits = normal(55, 2 + rows * V, 3);
    int[] targets = ints(56, 1 + rows, V);
    targets[5] = ignore;
    targets[20] = ignore;
    Buffer dLogits = fx.up(logits);
    Buffer dTargets = dk.ints(targets);
    for (double smoothing : new double[] {0, 0.1}) {
      float[] lse = new float[3 + rows];
      double total =
          Kernels32.crossEntropy(rows, V, logits, 2, targets, 1, ignore, smoothing, lse, 3);
      int valid = Kernels32.countValid(rows, targets, 1, ignore);
      Buffer dLse = fx.up(new float[lse.length]);
      Buffer out = fx.up(new float[4]);
      dk.crossEntropyMean(
          rows, V, dLogits, 2, dTargets, 1, ignore, smoothing, dLse, 3, valid, out, 2);
      fx.check("crossEntropyMean", total / valid, fx.down(out, 4)[2], 1e-5);
      fx.check("crossEntropy lse", lse, fx.down(dLse, lse.length), 1e-5);

      float[] dl = normal(57, 4 + rows * V, 0.01);
      float[] want = dl.clone();
      float dy = 1.7f;
      Kernels32.crossEntropyBackward(
          rows, V, logits, 2, targets, 1, ignore, smoothing, lse, 3, dy / (double) valid, want, 4);
      Buffer dDl = fx.up(dl);
      dk.crossEntropyBackward(
          rows,
          V,
          dLogits,
          2,
          dTargets,
          1,
          ignore,
          smoothing,
          fx.up(lse),
          3,
          fx.up(new float[] {0, dy}),
          1,
          valid,
          dDl,
          4);
      fx.check("crossEntropyBackward", want, fx.down(dDl, dl.length), 1e-5);

      Buffer same = fx.up(dl);
      dk.crossEntropyBackward(
          rows,
          V,
          dLogits,
          2,
          dTargets,
          1,
          ignore,
          smoothing,
          fx.up(lse),
          3,
          fx.up(new float[] {dy}),
          0,
          0,
          same,
          4);
      assertArrayEquals(dl, fx.down(same, dl.length), "divisor 0 adds nothing");
    }
    int[] allIgnored = new int[rows];
    java.util.Arrays.fill(allIgnored, ignore);
    Buffer out = fx.up(new float[] {5});
    dk.crossEntropyMean(
        rows,
        V,
        dLogits,
        2,
        dk.ints(allIgnored),
        0,
        ignore,
        0,
        fx.up(new float[rows]),
        0,
        0,
        out,
        0);
    assertEquals(0f, fx.down(out, 1)[0], "no valid row gives 0");
  }

  @Test
  void sumsAndMean() {
    int n = 100_003;
    float[] x = uniform(58, 3 + n, -0.5, 1);
    Buffer dx = fx.up(x);
    fx.check("sum", Kernels32.sum(n, x, 3), dk.sum(n, dx, 3), 1e-5);
    fx.check("sumSquares", Kernels32.sumSquares(n, x, 3), dk.sumSquares(n, dx, 3), 1e-5);
    float[] g = normal(59, n, 1e-3);
    fx.check("sumSquares", Kernels32.sumSquares(n, g, 0), dk.sumSquares(n, fx.up(g), 0), 1e-5);
    fx.check("sum", Kernels32.sum(17, x, 5), dk.sum(17, dx, 5), 1e-5);
    assertEquals(0.0, dk.sum(0, dx, 0));
    Buffer out = fx.up(new float[3]);
    dk.mean(n, dx, 3, 1234.5, out, 1);
    fx.check("mean", Kernels32.sum(n, x, 3) / 1234.5, fx.down(out, 3)[1], 1e-5);
  }

  // ------------------------------------------------------------------------------------ optimiser

  @Test
  void adamw() {
    int n = 1003;
    float[] p = normal(60, 2 + n, 1);
    float[] g = normal(61, 3 + n, 1);
    float[] m = normal(62, 1 + n, 0.1);
    float[] v = uniform(63, 4 + n, 0, 0.01);
    float[] wp = p.clone();
    float[] wm = m.clone();
    float[] wv = v.clone();
    Buffer dp = fx.up(p);
    Buffer dg = fx.up(g);
    Buffer dm = fx.up(m);
    Buffer dv = fx.up(v);
    for (int step = 1; step <= 3; step++) {
      Kernels32.adamw(n, wp, 2, g, 3, wm, 1, wv, 4, 1e-3, 0.9, 0.999, 1e-8, 0.01, step);
      dk.adamw(n, dp, 2, dg, 3, dm, 1, dv, 4, 1e-3, 0.9, 0.999, 1e-8, 0.01, step);
    }
    fx.check("adamw p", wp, fx.down(dp, p.length), 1e-5);
    fx.check("adamw m", wm, fx.down(dm, m.length), 1e-5);
    fx.check("adamw v", wv, fx.down(dv, v.length), 1e-5);
    assertThrows(
        IllegalArgumentException.class,
        () -> dk.adamw(n, dp, 2, dg, 3, dm, 1, dv, 4, 1e-3, 0.9, 0.999, 1e-8, 0.01, 0));
  }
}
