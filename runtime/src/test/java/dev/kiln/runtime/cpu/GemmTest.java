package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.TestData.f;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels32#gemm} against {@link Kernels64#gemm} on identical inputs: every transpose combination,
 * odd sizes that exercise the direct path, the packed path's edge tiles and the threaded split, with
 * offsets and padded leading dimensions. Tolerance: {@code 1e-6·√K·Σ_k|a_ik·b_kj|} per element, a
 * float dot product's typical error with room to spare.
 */
class GemmTest {
  private static final int[][] SHAPES = {
    {1, 1, 1},
    {1, 7, 33},
    {7, 1, 33},
    {7, 33, 1},
    {33, 7, 129},
    {13, 129, 7},
    {50, 70, 60},
    {129, 33, 257},
    {37, 300, 129},
    {300, 37, 129},
    {6, 32, 700},
    {200, 300, 600},
    {1, 1030, 300},
    // Skinny products (a decoding step): no packing, columns split in runs, or K in parts.
    {1, 2304, 96},
    {2, 301, 400},
    {3, 777, 190},
    {4, 1000, 129},
    {1, 700, 800}, // a few rows, split along K (parts of 384, the last one ragged)
    {3, 100, 1200},
  };

  @Test
  void allTransposesAndShapes() {
    long seed = 1;
    for (int[] s : SHAPES) {
      for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
          for (boolean acc : new boolean[] {false, true}) {
            check(ta == 1, tb == 1, s[0], s[1], s[2], acc, seed++);
          }
        }
      }
    }
  }

  @Test
  void zeroK() {
    float[] c = new float[6];
    Arrays.fill(c, Float.NaN);
    Kernels32.gemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, false);
    for (float x : c) {
      assertEquals(0f, x);
    }
    Arrays.fill(c, 2f);
    Kernels32.gemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, true);
    for (float x : c) {
      assertEquals(2f, x);
    }
  }

  @Test
  void batched() {
    long seed = 100;
    int[][] shapes = {
      {3, 7, 5, 9}, {4, 33, 65, 17}, {2, 130, 70, 90}, {8, 64, 64, 64}, {3, 100, 100, 100}
    };
    for (int[] s : shapes) {
      for (boolean sharedB : new boolean[] {false, true}) {
        for (int ta = 0; ta < 2; ta++) {
          for (int tb = 0; tb < 2; tb++) {
            checkBatched(s[0], ta == 1, tb == 1, s[1], s[2], s[3], sharedB, seed++);
          }
        }
      }
    }
  }

  private static void check(
      boolean transA, boolean transB, int M, int N, int K, boolean acc, long seed) {
    int aRows = transA ? K : M;
    int aCols = transA ? M : K;
    int bRows = transB ? N : K;
    int bCols = transB ? K : N;
    int lda = aCols + 3;
    int ldb = bCols + 1;
    int ldc = N + 2;
    int aOff = 5;
    int bOff = 2;
    int cOff = 7;
    double[] a = TestData.uniform(seed, aOff + aRows * lda, -1, 1);
    double[] b = TestData.uniform(seed + 1000, bOff + bRows * ldb, -1, 1);
    double[] c = TestData.uniform(seed + 2000, cOff + M * ldc + 3, -1, 1);
    float[] c32 = f(c);
    if (!acc) {
      // Overwrite mode must never read C: poison the block it writes.
      for (int i = 0; i < M; i++) {
        Arrays.fill(c32, cOff + i * ldc, cOff + i * ldc + N, Float.NaN);
      }
    }
    double[] c64 = c.clone();
    Kernels64.gemm(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c64, cOff, ldc, acc);
    Kernels32.gemm(transA, transB, M, N, K, f(a), aOff, lda, f(b), bOff, ldb, c32, cOff, ldc, acc);
    String what = "gemm " + (transA ? "T" : "N") + (transB ? "T" : "N") + " " + M + "x" + N + "x"
        + K + " acc=" + acc;
    compare(what, transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, c64, c32, cOff, ldc, acc);
  }

  private static void compare(
      String what,
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      double[] a,
      int aOff,
      int lda,
      double[] b,
      int bOff,
      int ldb,
      double[] c,
      double[] c64,
      float[] c32,
      int cOff,
      int ldc,
      boolean acc) {
    boolean[] inside = new boolean[c.length];
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        int ci = cOff + i * ldc + j;
        inside[ci] = true;
        double mag = acc ? Math.abs(c[ci]) : 0;
        for (int k = 0; k < K; k++) {
          double x = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
          double y = transB ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
          mag += Math.abs(x * y);
        }
        double tol = 1e-6 * Math.sqrt(K + 1) * mag + 1e-30;
        if (!(Math.abs(c32[ci] - c64[ci]) <= tol)) {
          fail(what + ": C[" + i + "," + j + "] = " + c32[ci] + ", expected " + c64[ci]);
        }
      }
    }
    for (int x = 0; x < c.length; x++) {
      if (!inside[x] && c32[x] != (float) c[x]) {
        fail(what + ": wrote outside C at flat index " + x);
      }
    }
  }

  private static void checkBatched(
      int batch, boolean transA, boolean transB, int M, int N, int K, boolean sharedB, long seed) {
    int lda = transA ? M : K;
    int ldb = transB ? K : N;
    int ldc = N;
    int strideA = M * K + 3;
    int strideB = sharedB ? 0 : K * N + 1;
    int strideC = M * N + 2;
    int aOff = 4;
    int bOff = 1;
    int cOff = 2;
    double[] a = TestData.uniform(seed, aOff + batch * strideA, -1, 1);
    double[] b = TestData.uniform(seed + 1, bOff + Math.max(1, batch * strideB) + K * N, -1, 1);
    double[] c = TestData.uniform(seed + 2, cOff + batch * strideC, -1, 1);
    for (boolean acc : new boolean[] {false, true}) {
      double[] c64 = c.clone();
      float[] c32 = f(c);
      Kernels64.gemmBatched(
          batch, transA, transB, M, N, K, a, aOff, strideA, lda, b, bOff, strideB, ldb, c64, cOff,
          strideC, ldc, acc);
      Kernels32.gemmBatched(
          batch, transA, transB, M, N, K, f(a), aOff, strideA, lda, f(b), bOff, strideB, ldb, c32,
          cOff, strideC, ldc, acc);
      for (int i = 0; i < batch; i++) {
        double[] ci = Arrays.copyOfRange(c, i * strideC, i * strideC + cOff + M * ldc);
        double[] c64i = Arrays.copyOfRange(c64, i * strideC, i * strideC + cOff + M * ldc);
        float[] c32i = Arrays.copyOfRange(c32, i * strideC, i * strideC + cOff + M * ldc);
        compare(
            "gemmBatched[" + i + "] " + batch + "x" + M + "x" + N + "x" + K,
            transA,
            transB,
            M,
            N,
            K,
            a,
            aOff + i * strideA,
            lda,
            b,
            bOff + i * strideB,
            ldb,
            ci,
            c64i,
            c32i,
            cOff,
            ldc,
            acc);
      }
    }
  }
}
