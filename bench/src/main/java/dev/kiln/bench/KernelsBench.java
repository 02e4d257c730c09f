package dev.kiln.bench;

import dev.kiln.runtime.cpu.Kernels32;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Single-precision matrix multiply, Kiln's {@link Kernels32#gemm} against OpenBLAS's
 * {@code cblas_sgemm} (JavaCPP), both on all cores, on GPT-2's shapes for B·T = 256 tokens and on
 * 2048³, in the three layouts training needs (A·B forward, A·Bᵀ and Aᵀ·B backward). Each run times
 * every shape once for each; the summary is the median over runs of total GFLOP / total seconds.
 */
final class KernelsBench {
  private KernelsBench() {}

  /** M, N, K, transA, transB. */
  private static final int[][] SHAPES = {
    {256, 2304, 768, 0, 0}, // qkv projection
    {256, 3072, 768, 0, 0}, // MLP up
    {256, 768, 3072, 0, 0}, // MLP down
    {256, 50257, 768, 0, 1}, // logits against the tied embedding (x · Wᵀ)
    {256, 768, 3072, 0, 1}, // backward: dX = dY · Wᵀ
    {768, 3072, 256, 1, 0}, // backward: dW = Xᵀ · dY
    {2048, 2048, 2048, 0, 0},
  };

  static void run(int runs) {
    System.out.println(
        "kernels: sgemm, Kiln (Vector API, " + Runtime.getRuntime().availableProcessors()
            + " cores) vs OpenBLAS "
            + org.bytedeco.openblas.global.openblas_full.openblas_get_config().getString() + " ("
            + org.bytedeco.openblas.global.openblas_full.openblas_get_num_threads()
            + " threads)");
    Work[] work = new Work[SHAPES.length];
    for (int i = 0; i < SHAPES.length; i++) {
      work[i] = new Work(SHAPES[i]);
      work[i].check();
    }
    for (Work w : work) { // warm-up: JIT and caches
      w.kiln();
      w.ref();
    }
    double[] kiln = new double[runs];
    double[] ref = new double[runs];
    for (int r = 0; r < runs; r++) {
      double flops = 0;
      double kilnSeconds = 0;
      double refSeconds = 0;
      for (Work w : work) {
        flops += w.flops();
        double k = w.kiln();
        double o = w.ref();
        kilnSeconds += k;
        refSeconds += o;
        System.out.printf(
            Locale.ROOT,
            "  run %d  %-22s kiln %7.1f GFLOP/s   openblas %7.1f GFLOP/s%n",
            r + 1,
            w.label(),
            w.flops() / k / 1e9,
            w.flops() / o / 1e9);
      }
      kiln[r] = flops / kilnSeconds / 1e9;
      ref[r] = flops / refSeconds / 1e9;
    }
    Bench.summary("kernels", Bench.median(kiln), Bench.median(ref), "GFLOP/s");
  }

  /** One shape, its operands on the heap (Kiln) and off it (OpenBLAS), equal values. */
  private static final class Work {
    final int m;
    final int n;
    final int k;
    final boolean ta;
    final boolean tb;
    final float[] a;
    final float[] b;
    final float[] c;
    final FloatPointer pa;
    final FloatPointer pb;
    final FloatPointer pc;

    Work(int[] s) {
      m = s[0];
      n = s[1];
      k = s[2];
      ta = s[3] == 1;
      tb = s[4] == 1;
      SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
      a = new float[m * k];
      b = new float[k * n];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) (r.nextDouble() - 0.5);
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (r.nextDouble() - 0.5);
      }
      c = new float[m * n];
      pa = new FloatPointer(a);
      pb = new FloatPointer(b);
      pc = new FloatPointer((long) m * n);
    }

    String label() {
      return m + "x" + n + "x" + k + " " + (ta ? "T" : "N") + (tb ? "T" : "N");
    }

    double flops() {
      return 2.0 * m * n * k;
    }

    /** Seconds per multiply, over enough repetitions for about 0.3 s. */
    double kiln() {
      return time(() ->
          Kernels32.gemm(ta, tb, m, n, k, a, 0, ta ? m : k, b, 0, tb ? k : n, c, 0, n, false));
    }

    double ref() {
      return time(() -> openblas.cblas_sgemm(
          openblas.CblasRowMajor,
          ta ? openblas.CblasTrans : openblas.CblasNoTrans,
          tb ? openblas.CblasTrans : openblas.CblasNoTrans,
          m,
          n,
          k,
          1f,
          pa,
          ta ? m : k,
          pb,
          tb ? k : n,
          0f,
          pc,
          n));
    }

    /** Both compute the same product: not a benchmark of different work. */
    void check() {
      kiln();
      ref();
      float[] other = new float[m * n];
      pc.get(other);
      double worst = 0;
      double scale = 0;
      for (int i = 0; i < other.length; i++) {
        worst = Math.max(worst, Math.abs(other[i] - c[i]));
        scale = Math.max(scale, Math.abs(other[i]));
      }
      if (worst > 1e-4 * scale + 1e-5) {
        throw new IllegalStateException(label() + ": Kiln and OpenBLAS disagree by " + worst);
      }
    }

    private double time(Runnable op) {
      int reps = (int) Math.max(1, Math.min(200, 3e10 / flops()));
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        op.run();
      }
      return (System.nanoTime() - t0) / 1e9 / reps;
    }
  }
}
