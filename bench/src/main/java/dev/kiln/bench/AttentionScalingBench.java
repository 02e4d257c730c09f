package dev.kiln.bench;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Banded against dense causal attention (Kiln's fused kernels, forward and backward) for T = 512 …
 * 8192, 2 heads of 64, batch 1, band 256 (the GPT-3-style default). The kernel visits only the key
 * range a mask allows, so banded attention should cost O(T·band) while dense causal costs O(T²/2):
 * each row prints both times, their ratio, and the ideal band/T·2 (the fraction of the causal
 * triangle a band of 256 covers). The summary compares throughput at T = 4096: the performance
 * issue's bound is banded ≤ 1.5 × (band/T) × dense in time.
 */
final class AttentionScalingBench {
  private AttentionScalingBench() {}

  private static final int H = 2;
  private static final int DH = 64;
  private static final int BAND = 256;

  static void run(int runs) {
    System.out.println("attention-scaling: fused attention forward+backward, B=1, H=" + H + ", dh="
        + DH + ", band " + BAND);
    double kilnAt4096 = 0;
    double refAt4096 = 0;
    for (int t : new int[] {512, 1024, 2048, 4096, 8192}) {
      Work dense = new Work(t, Masks.causal());
      Work banded = new Work(t, Masks.and(Masks.causal(), Masks.band(BAND)));
      dense.step();
      banded.step();
      double[] d = new double[runs];
      double[] b = new double[runs];
      for (int r = 0; r < runs; r++) {
        d[r] = dense.step();
        b[r] = banded.step();
      }
      double dm = Bench.median(d);
      double bm = Bench.median(b);
      double ideal = Math.min(1.0, 2.0 * BAND / t);
      System.out.printf(
          Locale.ROOT,
          "  T=%5d  dense causal %8.1f ms   banded %7.1f ms   banded/dense %.3f (band share of the triangle %.3f)%n",
          t,
          dm * 1e3,
          bm * 1e3,
          bm / dm,
          ideal);
      if (t == 4096) {
        kilnAt4096 = t / bm;
        refAt4096 = t / dm;
        System.out.printf(
            Locale.ROOT,
            "  T=4096: banded/dense time %.3f against the bound 1.5 x band/T = %.3f: %s%n",
            bm / dm,
            1.5 * BAND / t,
            bm / dm <= 1.5 * BAND / t ? "within" : "above");
      }
    }
    Bench.summary("attention-scaling", kilnAt4096, refAt4096, "tokens/s");
  }

  /** One attention layer's buffers at length {@code t}. */
  private static final class Work {
    final int t;
    final Mask mask;
    final float[] qkv;
    final float[] out;
    final float[] lse;
    final float[] dout;
    final float[] dqkv;

    Work(int t, Mask mask) {
      this.t = t;
      this.mask = mask;
      SplittableRandom r = new SplittableRandom(t);
      qkv = new float[t * 3 * H * DH];
      for (int i = 0; i < qkv.length; i++) {
        qkv[i] = (float) (r.nextDouble() - 0.5);
      }
      out = new float[t * H * DH];
      lse = new float[H * t];
      dout = new float[t * H * DH];
      for (int i = 0; i < dout.length; i++) {
        dout[i] = (float) (r.nextDouble() - 0.5);
      }
      dqkv = new float[qkv.length];
    }

    /** Seconds for one forward and backward. */
    double step() {
      int stride = 3 * H * DH;
      double scale = 1 / Math.sqrt(DH);
      long t0 = System.nanoTime();
      Kernels32.attention(
          1,
          t,
          t,
          H,
          DH,
          qkv,
          0,
          stride,
          qkv,
          H * DH,
          stride,
          qkv,
          2 * H * DH,
          stride,
          out,
          0,
          lse,
          0,
          scale,
          mask,
          null,
          0,
          0);
      java.util.Arrays.fill(dqkv, 0f);
      Kernels32.attentionBackward(
          1,
          t,
          t,
          H,
          DH,
          qkv,
          0,
          stride,
          qkv,
          H * DH,
          stride,
          qkv,
          2 * H * DH,
          stride,
          out,
          0,
          dout,
          0,
          lse,
          0,
          dqkv,
          0,
          stride,
          dqkv,
          H * DH,
          stride,
          dqkv,
          2 * H * DH,
          stride,
          scale,
          mask,
          null,
          0,
          0);
      return (System.nanoTime() - t0) / 1e9;
    }
  }
}
