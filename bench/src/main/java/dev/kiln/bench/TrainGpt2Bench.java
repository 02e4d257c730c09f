package dev.kiln.bench;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.train.AdamW;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas;

/**
 * One GPT-2 124M training step (forward, backward, AdamW) on a [B, T] batch of Pride and Prejudice,
 * Kiln's generated {@code Gpt2SmallModel} against the same model in PyTorch eager
 * ({@link TorchGpt2}), started from the same weights (Kiln's seeded init, copied) with the same
 * AdamW settings and threads. Before timing, the losses of the first two steps are compared: the
 * first is the same forward on the same weights, the second also checks backward and the update.
 * Throughput is tokens (B·T) per second. Kiln's model FLOP/s counts 6·params·tokens plus attention
 * (12·layers·d·T per token, forward and backward, the PaLM paper's count), and its MFU divides that by
 * the OpenBLAS sgemm rate at 2048³ measured in this process (or {@code -Dkiln.bench.peakGflops}).
 */
final class TrainGpt2Bench {
  private TrainGpt2Bench() {}

  private static final long SEED = 1;
  private static final double LR = 1e-4;
  /** The same forward on the same float32 weights: the losses agree to rounding. */
  private static final double FIRST_LOSS_BOUND = 1e-4;
  /** After one AdamW step: Adam's normalisation magnifies rounding in tiny gradients a little. */
  private static final double SECOND_LOSS_BOUND = 1e-3;

  @SuppressWarnings("try") // the scope is used only for closing
  static void run(int runs, int batch, int seq) {
    int threads = Bench.threads();
    TorchGpt2.setThreads(threads);
    System.out.println("train-gpt2: GPT-2 124M training step (forward, backward, AdamW), B=" + batch
        + ", T=" + seq + ", Kiln vs PyTorch " + "eager (libtorch CPU), " + threads
        + " threads each");
    Gpt2SmallModel kiln = new Gpt2SmallModel();
    kiln.initialize(SEED);
    int[] text = Gpt2Text.tokens(batch * seq + 1);
    int[] in = new int[batch * seq];
    int[] out = new int[batch * seq];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(text, b * seq, in, b * seq, seq);
      System.arraycopy(text, b * seq + 1, out, b * seq, seq);
    }
    Tensor.I32 tokens = new Tensor.I32(new int[] {batch, seq}, in);
    Tensor.I32 targets = new Tensor.I32(new int[] {batch, seq}, out);

    try (TorchGpt2 ref = new TorchGpt2(kiln, true);
        org.bytedeco.pytorch.Tensor refTokens = TorchGpt2.ids(in, batch, seq);
        org.bytedeco.pytorch.Tensor refTargets = TorchGpt2.ids(out, batch, seq)) {
      AdamW kilnOpt = new AdamW(kiln, AdamW.Config.defaults(LR));
      org.bytedeco.pytorch.AdamW refOpt = ref.adamW(kiln, LR);
      Runnable kilnStep = () -> kilnStep(kiln, kilnOpt, tokens, targets);
      java.util.function.DoubleSupplier refStep = () -> {
        try (PointerScope scope = new PointerScope()) {
          refOpt.zero_grad();
          org.bytedeco.pytorch.Tensor loss = ref.loss(refTokens, refTargets);
          loss.backward();
          refOpt.step();
          return loss.item_double();
        }
      };

      double[] kilnLoss = new double[2];
      double[] refLoss = new double[2];
      for (int s = 0; s < 2; s++) {
        kilnStep.run();
        kilnLoss[s] = kiln.loss();
        refLoss[s] = refStep.getAsDouble();
      }
      System.out.printf(
          Locale.ROOT,
          "  check: loss at step 1 kiln %.6f pytorch %.6f |diff| %.1e (bound %.0e);"
              + " after one AdamW step kiln %.6f pytorch %.6f |diff| %.1e (bound %.0e)%n",
          kilnLoss[0],
          refLoss[0],
          Math.abs(kilnLoss[0] - refLoss[0]),
          FIRST_LOSS_BOUND,
          kilnLoss[1],
          refLoss[1],
          Math.abs(kilnLoss[1] - refLoss[1]),
          SECOND_LOSS_BOUND);
      if (!(Math.abs(kilnLoss[0] - refLoss[0]) <= FIRST_LOSS_BOUND)
          || !(Math.abs(kilnLoss[1] - refLoss[1]) <= SECOND_LOSS_BOUND)) {
        throw new IllegalStateException("Kiln and PyTorch disagree on the loss");
      }

      kilnStep.run(); // warm-up beyond the two checked steps
      var _ = refStep.getAsDouble();
      double tokensPerStep = (double) batch * seq;
      double[] k = new double[runs];
      double[] o = new double[runs];
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        kilnStep.run();
        long t1 = System.nanoTime();
        double refLast = refStep.getAsDouble();
        long t2 = System.nanoTime();
        k[r] = tokensPerStep / ((t1 - t0) / 1e9);
        o[r] = tokensPerStep / ((t2 - t1) / 1e9);
        System.out.printf(
            Locale.ROOT,
            "  run %d  kiln %7.1f ms (%6.1f tokens/s, loss %.4f)   pytorch %7.1f ms (%6.1f tokens/s,"
                + " loss %.4f)%n",
            r + 1,
            (t1 - t0) / 1e6,
            k[r],
            kiln.loss(),
            (t2 - t1) / 1e6,
            o[r],
            refLast);
      }
      double kilnRate = Bench.median(k);
      double refRate = Bench.median(o);
      int layers = TorchGpt2.config(kiln.spec(), "layers").intValue();
      int d = TorchGpt2.config(kiln.spec(), "d").intValue();
      double flopsPerToken = 6.0 * kiln.parameterCount() + 12.0 * layers * d * seq;
      double peak = peakGflops();
      System.out.printf(
          Locale.ROOT,
          "  model FLOP/s (6 x %,d params + attention 12 x %d x %d x %d per token): kiln %.1f GFLOP/s,"
              + " pytorch %.1f GFLOP/s; kiln MFU %.2f of %.1f GFLOP/s (%s)%n",
          kiln.parameterCount(),
          layers,
          d,
          seq,
          kilnRate * flopsPerToken / 1e9,
          refRate * flopsPerToken / 1e9,
          kilnRate * flopsPerToken / 1e9 / peak,
          peak,
          System.getProperty("kiln.bench.peakGflops") != null
              ? "kiln.bench.peakGflops"
              : "OpenBLAS sgemm 2048^3 measured here");
      System.out.println(
          "  peak RSS of this process (Kiln, PyTorch and the JVM together): " + Bench.peakRss());
      Bench.summary("train-gpt2", kilnRate, refRate, "tokens/s");
    }
  }

  private static void kilnStep(
      Gpt2SmallModel kiln, AdamW opt, Tensor.I32 tokens, Tensor.I32 targets) {
    kiln.zeroGrad();
    kiln.forward(tokens, targets, true);
    kiln.backward();
    opt.step(LR);
  }

  /** {@code -Dkiln.bench.peakGflops}, else the best of a few OpenBLAS sgemm 2048³ runs. */
  private static double peakGflops() {
    String given = System.getProperty("kiln.bench.peakGflops");
    if (given != null) {
      return Double.parseDouble(given);
    }
    int n = 2048;
    try (FloatPointer a = new FloatPointer((long) n * n);
        FloatPointer b = new FloatPointer((long) n * n);
        FloatPointer c = new FloatPointer((long) n * n)) {
      a.fill(1);
      b.fill(1);
      double best = 0;
      for (int i = 0; i < 4; i++) {
        long t0 = System.nanoTime();
        openblas.cblas_sgemm(
            openblas.CblasRowMajor,
            openblas.CblasNoTrans,
            openblas.CblasNoTrans,
            n,
            n,
            n,
            1f,
            a,
            n,
            b,
            n,
            0f,
            c,
            n);
        best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9);
      }
      return best;
    }
  }
}
