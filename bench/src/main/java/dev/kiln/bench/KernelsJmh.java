package dev.kiln.bench;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmarks of the CPU kernels at GPT-2 124M's shapes for 256 tokens (B=4, T=64): one
 * method per kernel, average time per call. Run with {@code ./kiln bench jmh [JMH options]}, e.g.
 * {@code ./kiln bench jmh KernelsJmh.layerNorm -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelsJmh {
  private static final int ROWS = 256;
  private static final int D = 768;
  private static final int FF = 3072;
  private static final int VOCAB = 50257;
  private static final int HEADS = 12;
  private static final int DH = 64;
  private static final int T = 64;
  private static final int B = ROWS / T;

  private final Mask causal = Masks.causal();
  private float[] x;
  private float[] w;
  private float[] y;
  private float[] ff;
  private float[] ffOut;
  private float[] gamma;
  private float[] beta;
  private float[] mean;
  private float[] rstd;
  private float[] qkv;
  private float[] att;
  private float[] dAtt;
  private float[] dQkv;
  private float[] lse;
  private float[] logits;
  private float[] dLogits;
  private float[] rowLse;
  private int[] targets;
  private float[] p;
  private float[] g;
  private float[] m;
  private float[] v;

  @Setup
  public void setUp() {
    Random r = new Random(1);
    x = random(r, ROWS * D);
    w = random(r, D * FF);
    y = new float[ROWS * FF];
    ff = random(r, ROWS * FF);
    ffOut = new float[ROWS * FF];
    gamma = random(r, D);
    beta = random(r, D);
    mean = new float[ROWS];
    rstd = new float[ROWS];
    qkv = random(r, ROWS * 3 * D);
    att = new float[ROWS * D];
    dAtt = random(r, ROWS * D);
    dQkv = new float[ROWS * 3 * D];
    lse = new float[B * HEADS * T];
    logits = random(r, ROWS * VOCAB);
    dLogits = new float[ROWS * VOCAB];
    rowLse = new float[ROWS];
    targets = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      targets[i] = r.nextInt(VOCAB);
    }
    p = random(r, D * FF);
    g = random(r, D * FF);
    m = new float[D * FF];
    v = new float[D * FF];
    attention(); // lse and out for the backward benchmark
  }

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian() * 0.1f;
    }
    return a;
  }

  /** MLP up-projection: [256,768]·[768,3072]. */
  @Benchmark
  public float[] gemm() {
    Kernels32.gemm(false, false, ROWS, FF, D, x, 0, D, w, 0, FF, y, 0, FF, false);
    return y;
  }

  @Benchmark
  public float[] addBias() {
    Kernels32.addBias(ROWS, FF, y, 0, w, 0);
    return y;
  }

  @Benchmark
  public float[] geluTanh() {
    Kernels32.geluTanh(ROWS * FF, ff, 0, ffOut, 0);
    return ffOut;
  }

  @Benchmark
  public float[] layerNorm() {
    Kernels32.layerNorm(ROWS, D, x, 0, gamma, 0, beta, 0, 1e-5, att, 0, mean, 0, rstd, 0);
    return att;
  }

  @Benchmark
  public float[] softmax() {
    Kernels32.softmax(ROWS * 4, FF / 4, ff, 0, ffOut, 0);
    return ffOut;
  }

  /** Fused causal attention, 12 heads of 64, on the packed q|k|v layout. */
  @Benchmark
  public float[] attention() {
    Kernels32.attention(
        B, T, T, HEADS, DH, qkv, 0, 3 * D, qkv, D, 3 * D, qkv, 2 * D, 3 * D, att, 0, lse, 0, 0.125,
        causal, null, 0.0, 0L);
    return att;
  }

  @Benchmark
  public float[] attentionBackward() {
    Kernels32.attentionBackward(
        B, T, T, HEADS, DH, qkv, 0, 3 * D, qkv, D, 3 * D, qkv, 2 * D, 3 * D, att, 0, dAtt, 0, lse,
        0, dQkv, 0, 3 * D, dQkv, D, 3 * D, dQkv, 2 * D, 3 * D, 0.125, causal, null, 0.0, 0L);
    return dQkv;
  }

  /** Cross entropy over GPT-2's vocabulary, forward then backward. */
  @Benchmark
  public float[] crossEntropy() {
    Kernels32.crossEntropy(ROWS, VOCAB, logits, 0, targets, 0, -100, 0.0, rowLse, 0);
    Kernels32.crossEntropyBackward(
        ROWS, VOCAB, logits, 0, targets, 0, -100, 0.0, rowLse, 0, 1.0 / ROWS, dLogits, 0);
    return dLogits;
  }

  /** AdamW over one 768×3072 matrix. */
  @Benchmark
  public float[] adamw() {
    Kernels32.adamw(D * FF, p, 0, g, 0, m, 0, v, 0, 1e-4, 0.9, 0.999, 1e-8, 0.01, 1);
    return p;
  }
}
