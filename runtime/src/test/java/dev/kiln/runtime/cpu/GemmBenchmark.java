package dev.kiln.runtime.cpu;

/**
 * Prints {@link Kernels32#gemm} throughput for a few shapes (not a test: timings are never asserted).
 * Run with {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.kiln.runtime.cpu.GemmBenchmark [M N K ...]}.
 */
public final class GemmBenchmark {
  private GemmBenchmark() {}

  public static void main(String[] args) {
    int[][] shapes = {{2048, 2048, 2048}, {256, 3072, 768}, {256, 768, 3072}, {1024, 1024, 1024}};
    if (args.length >= 3) {
      shapes = new int[args.length / 3][];
      for (int i = 0; i < shapes.length; i++) {
        shapes[i] = new int[] {
          Integer.parseInt(args[3 * i]),
          Integer.parseInt(args[3 * i + 1]),
          Integer.parseInt(args[3 * i + 2])
        };
      }
    }
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 2) != 0;
        boolean tb = (t & 1) != 0;
        System.out.printf(
            "M=%d N=%d K=%d %s%s: %.1f GFLOP/s%n",
            s[0], s[1], s[2], ta ? "T" : "N", tb ? "T" : "N", measure(ta, tb, s[0], s[1], s[2]));
      }
    }
  }

  private static double measure(boolean ta, boolean tb, int M, int N, int K) {
    float[] a = TestData.f(TestData.uniform(1, M * K, -1, 1));
    float[] b = TestData.f(TestData.uniform(2, K * N, -1, 1));
    float[] c = new float[M * N];
    double flops = 2.0 * M * N * K;
    int reps = (int) Math.max(3, Math.min(50, 2e10 / flops));
    double best = 0;
    for (int round = 0; round < 3 + reps; round++) {
      long t0 = System.nanoTime();
      Kernels32.gemm(ta, tb, M, N, K, a, 0, ta ? M : K, b, 0, tb ? K : N, c, 0, N, false);
      long dt = System.nanoTime() - t0;
      best = Math.max(best, flops / dt);
    }
    return best;
  }
}
