package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.TestData.f;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * The fused kernels that generated code calls in place of a chain ({@link Kernels32#linear}: product,
 * bias, activation; {@link Kernels32#addLayerNorm}: residual add, layer norm) give bit for bit what
 * the chain of separate kernels gives, on every path of the product (direct, skinny, packed with
 * partial tiles, several K blocks and threads) and in both layouts of the weight; and the float64
 * twins do the same against the float64 chain.
 */
class FusedKernelsTest {
  private static final int OFF = 5;

  /**
   * (M, N, K): direct (tiny), skinny (M ≤ 4; the fourth split along K), packed with ragged edges and
   * two K blocks, threaded.
   */
  private static final int[][] SHAPES = {
    {5, 7, 9}, {3, 300, 200}, {1, 1000, 64}, {2, 300, 800}, {100, 333, 500}, {64, 1536, 96}
  };

  @Test
  void linearEqualsGemmBiasAndActivation() {
    long seed = 11;
    for (int[] s : SHAPES) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (boolean transB : new boolean[] {false, true}) {
        for (Activation act : Activation.values()) {
          for (boolean withBias : new boolean[] {true, false}) {
            float[] x = f(TestData.uniform(seed++, OFF + m * k, -1, 1));
            float[] w = f(TestData.uniform(seed++, OFF + k * n, -1, 1));
            float[] bias = withBias ? f(TestData.uniform(seed++, OFF + n, -1, 1)) : null;
            int ldw = transB ? k : n;

            float[] cChain = new float[OFF + m * n];
            float[] outChain = new float[OFF + m * n];
            Kernels32.gemm(false, transB, m, n, k, x, OFF, k, w, OFF, ldw, cChain, OFF, n, false);
            if (bias != null) {
              Kernels32.addBias(m, n, cChain, OFF, bias, OFF);
            }
            switch (act) {
              case NONE -> {}
              case RELU -> Kernels32.relu(m * n, cChain, OFF, outChain, OFF);
              case GELU -> Kernels32.gelu(m * n, cChain, OFF, outChain, OFF);
              case GELU_TANH -> Kernels32.geluTanh(m * n, cChain, OFF, outChain, OFF);
            }

            float[] c = new float[OFF + m * n];
            float[] out = new float[OFF + m * n];
            Kernels32.linear(
                transB, m, n, k, x, OFF, k, w, OFF, ldw, bias, OFF, c, OFF, act, out, OFF);
            String what =
                m + "x" + n + "x" + k + " transB=" + transB + " " + act + " bias=" + withBias;
            assertArrayEquals(cChain, c, what + ": pre-activation");
            assertArrayEquals(outChain, out, what + ": activation");

            double[] x64 = TestData.d(x);
            double[] w64 = TestData.d(w);
            double[] b64 = bias == null ? null : TestData.d(bias);
            double[] c64 = new double[OFF + m * n];
            double[] o64 = new double[OFF + m * n];
            Kernels64.linear(
                transB, m, n, k, x64, OFF, k, w64, OFF, ldw, b64, OFF, c64, OFF, act, o64, OFF);
            double[] cRef = new double[OFF + m * n];
            double[] oRef = new double[OFF + m * n];
            Kernels64.gemm(false, transB, m, n, k, x64, OFF, k, w64, OFF, ldw, cRef, OFF, n, false);
            if (b64 != null) {
              Kernels64.addBias(m, n, cRef, OFF, b64, OFF);
            }
            switch (act) {
              case NONE -> {}
              case RELU -> Kernels64.relu(m * n, cRef, OFF, oRef, OFF);
              case GELU -> Kernels64.gelu(m * n, cRef, OFF, oRef, OFF);
              case GELU_TANH -> Kernels64.geluTanh(m * n, cRef, OFF, oRef, OFF);
            }
            assertArrayEquals(cRef, c64, what + ": float64 pre-activation");
            assertArrayEquals(oRef, o64, what + ": float64 activation");
          }
        }
      }
    }
  }

  @Test
  void addLayerNormEqualsAddThenLayerNorm() {
    long seed = 101;
    int[][] shapes = {{1, 7}, {3, 33}, {300, 384}, {2000, 64}};
    for (int[] s : shapes) {
      int rows = s[0];
      int dim = s[1];
      int n = rows * dim;
      for (boolean affine : new boolean[] {true, false}) {
        float[] x = f(TestData.uniform(seed++, OFF + n, -2, 2));
        float[] y = f(TestData.uniform(seed++, OFF + n, -2, 2));
        float[] g = affine ? f(TestData.uniform(seed++, OFF + dim, 0.5, 1.5)) : null;
        float[] b = affine ? f(TestData.uniform(seed++, OFF + dim, -1, 1)) : null;

        float[] sumChain = new float[OFF + n];
        float[] outChain = new float[OFF + n];
        float[] meanChain = new float[OFF + rows];
        float[] rstdChain = new float[OFF + rows];
        Kernels32.add(n, x, OFF, y, OFF, n, sumChain, OFF);
        Kernels32.layerNorm(
            rows, dim, sumChain, OFF, g, OFF, b, OFF, 1e-5, outChain, OFF, meanChain, OFF,
            rstdChain, OFF);

        float[] sum = new float[OFF + n];
        float[] out = new float[OFF + n];
        float[] mean = new float[OFF + rows];
        float[] rstd = new float[OFF + rows];
        Kernels32.addLayerNorm(
            rows, dim, x, OFF, y, OFF, sum, OFF, g, OFF, b, OFF, 1e-5, out, OFF, mean, OFF, rstd,
            OFF);
        String what = rows + "x" + dim + " affine=" + affine;
        assertArrayEquals(sumChain, sum, what + ": sum");
        assertArrayEquals(outChain, out, what + ": normalised");
        assertArrayEquals(meanChain, mean, what + ": mean");
        assertArrayEquals(rstdChain, rstd, what + ": rstd");

        double[] x64 = TestData.d(x);
        double[] y64 = TestData.d(y);
        double[] g64 = g == null ? null : TestData.d(g);
        double[] b64 = b == null ? null : TestData.d(b);
        double[] s64 = new double[OFF + n];
        double[] o64 = new double[OFF + n];
        double[] m64 = new double[OFF + rows];
        double[] r64 = new double[OFF + rows];
        Kernels64.addLayerNorm(
            rows, dim, x64, OFF, y64, OFF, s64, OFF, g64, OFF, b64, OFF, 1e-5, o64, OFF, m64, OFF,
            r64, OFF);
        double[] sRef = new double[OFF + n];
        double[] oRef = new double[OFF + n];
        double[] mRef = new double[OFF + rows];
        double[] rRef = new double[OFF + rows];
        Kernels64.add(n, x64, OFF, y64, OFF, n, sRef, OFF);
        Kernels64.layerNorm(
            rows, dim, sRef, OFF, g64, OFF, b64, OFF, 1e-5, oRef, OFF, mRef, OFF, rRef, OFF);
        assertArrayEquals(sRef, s64, what + ": float64 sum");
        assertArrayEquals(oRef, o64, what + ": float64 normalised");
      }
    }
  }
}
