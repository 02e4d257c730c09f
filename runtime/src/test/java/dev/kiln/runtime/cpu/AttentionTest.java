package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.TestData.assertClose;
import static dev.kiln.runtime.cpu.TestData.f;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Attention: both kernel families against a naive {@code softmax(QKᵀ·scale, masked)·V} reference that
 * materialises the full score matrix and consults only {@code mask.visible} (so it also checks the
 * masks' key ranges); the double backward against finite differences; the float backward against the
 * double one. Self-attention reads q, k, v from one packed {@code [B, T, 3, H, dh]} array (strides
 * {@code 3·H·dh}) and writes gradients into one packed array; cross-attention uses separate q and kv.
 */
class AttentionTest {
  /** One attention problem: shapes, mask, padding lengths and dropout. */
  record Case(
      String name, int B, int Tq, int Tk, int H, int dh, Mask mask, int[] lengths, double p) {
    boolean self() {
      return Tq == Tk && !name.startsWith("cross");
    }

    @Override
    public String toString() {
      return name + " B=" + B + " Tq=" + Tq + " Tk=" + Tk + " H=" + H + " dh=" + dh;
    }
  }

  private static List<Case> smallCases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("full", 2, 6, 6, 2, 3, null, null, 0));
    cases.add(new Case("causal", 2, 6, 6, 2, 3, Masks.causal(), null, 0));
    cases.add(new Case("band", 2, 6, 6, 2, 3, Masks.band(2), null, 0));
    cases.add(
        new Case("causal&band", 2, 6, 6, 2, 3, Masks.and(Masks.causal(), Masks.band(3)), null, 0));
    cases.add(new Case("strided", 2, 6, 6, 2, 3, Masks.strided(2), null, 0));
    cases.add(new Case("fixed", 1, 7, 7, 2, 3, Masks.fixed(3, 1), null, 0));
    cases.add(new Case(
        "band|strided", 2, 6, 6, 1, 3, Masks.or(Masks.band(1), Masks.strided(3)), null, 0));
    cases.add(new Case("!causal", 2, 5, 5, 2, 3, Masks.not(Masks.causal()), null, 0));
    cases.add(new Case(
        "causal&!band",
        1,
        6,
        6,
        2,
        3,
        Masks.and(Masks.causal(), Masks.not(Masks.band(2))),
        null,
        0));
    cases.add(new Case("padding", 2, 6, 6, 2, 3, null, new int[] {4, 6}, 0));
    cases.add(new Case("causal+padding", 2, 6, 6, 2, 3, Masks.causal(), new int[] {0, 3}, 0));
    cases.add(new Case("cross", 2, 4, 7, 2, 3, null, new int[] {5, 7}, 0));
    cases.add(new Case("cross causal", 1, 4, 7, 2, 3, Masks.causal(), null, 0));
    cases.add(new Case("dropout", 2, 6, 6, 2, 3, Masks.causal(), null, 0.3));
    cases.add(new Case("cross dropout", 2, 5, 4, 1, 2, Masks.band(2), new int[] {3, 4}, 0.5));
    // Fewer queries than a group of four: the forward reads the keys in place.
    cases.add(new Case("cross one query", 2, 1, 40, 2, 20, null, new int[] {40, 19}, 0));
    cases.add(new Case(
        "three queries",
        1,
        3,
        3,
        2,
        5,
        Masks.and(Masks.causal(), Masks.not(Masks.band(2))),
        null,
        0.3));
    return cases;
  }

  private static List<Case> largeCases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("full", 2, 70, 70, 3, 64, null, null, 0));
    cases.add(new Case("causal", 2, 130, 130, 2, 64, Masks.causal(), null, 0));
    cases.add(new Case("causal odd dh", 1, 100, 100, 3, 7, Masks.causal(), null, 0));
    cases.add(new Case(
        "causal&band", 1, 200, 200, 2, 32, Masks.and(Masks.causal(), Masks.band(40)), null, 0));
    cases.add(new Case(
        "strided|band", 1, 150, 150, 2, 16, Masks.or(Masks.strided(16), Masks.band(8)), null, 0));
    cases.add(new Case("padding", 3, 90, 90, 2, 24, Masks.causal(), new int[] {90, 17, 0}, 0));
    cases.add(new Case("cross", 2, 33, 150, 2, 40, null, new int[] {150, 77}, 0));
    cases.add(new Case("dropout", 2, 100, 100, 2, 32, Masks.causal(), null, 0.2));
    return cases;
  }

  /** Inputs and layout of one case. */
  private static final class Problem {
    final Case c;
    final int qStride;
    final int kStride;
    final int vStride;
    final int qOff;
    final int kOff;
    final int vOff;
    final double[] qArr; // q (and k, v when self-attention)
    final double[] kvArr; // k and v for cross-attention (same as qArr otherwise)
    final double scale;
    final long seed = 4242;

    Problem(Case c, long seed) {
      this.c = c;
      int hd = c.H * c.dh;
      scale = 1 / Math.sqrt(c.dh);
      if (c.self()) {
        qStride = kStride = vStride = 3 * hd;
        qOff = 2;
        kOff = 2 + hd;
        vOff = 2 + 2 * hd;
        qArr = TestData.uniform(seed, 4 + c.B * c.Tq * 3 * hd, -1.5, 1.5);
        kvArr = qArr;
      } else {
        qStride = hd;
        kStride = vStride = 2 * hd;
        qOff = 1;
        kOff = 3;
        vOff = 3 + hd;
        qArr = TestData.uniform(seed, 2 + c.B * c.Tq * hd, -1.5, 1.5);
        kvArr = TestData.uniform(seed + 1, 5 + c.B * c.Tk * 2 * hd, -1.5, 1.5);
      }
    }

    int outLen() {
      return c.B * c.Tq * c.H * c.dh;
    }

    /** Runs Kernels64.attention, returning {out, lse}. */
    double[][] forward64(double[] q, double[] kv) {
      double[] out = new double[outLen() + 3];
      double[] lse = new double[c.B * c.H * c.Tq + 1];
      Kernels64.attention(
          c.B, c.Tq, c.Tk, c.H, c.dh, q, qOff, qStride, kv, kOff, kStride, kv, vOff, vStride, out,
          3, lse, 1, scale, c.mask, c.lengths, c.p, seed);
      return new double[][] {out, lse};
    }
  }

  /** The naive reference: full T×T scores, masked by the predicate and padding only. Returns {out, lse}. */
  private static double[][] naive(Problem pr) {
    Case c = pr.c;
    double[] out = new double[pr.outLen() + 3];
    double[] lse = new double[c.B * c.H * c.Tq + 1];
    double keep = c.p > 0 ? 1 / (1 - c.p) : 1;
    for (int b = 0; b < c.B; b++) {
      for (int h = 0; h < c.H; h++) {
        double[][] s = new double[c.Tq][c.Tk];
        for (int t = 0; t < c.Tq; t++) {
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < c.Tk; j++) {
            boolean vis =
                (c.mask == null || c.mask.visible(t, j)) && (c.lengths == null || j < c.lengths[b]);
            double dot = 0;
            for (int d = 0; d < c.dh; d++) {
              dot += pr.qArr[pr.qOff + (b * c.Tq + t) * pr.qStride + h * c.dh + d]
                  * pr.kvArr[pr.kOff + (b * c.Tk + j) * pr.kStride + h * c.dh + d];
            }
            s[t][j] = vis ? pr.scale * dot : Double.NEGATIVE_INFINITY;
            max = Math.max(max, s[t][j]);
          }
          int li = 1 + (b * c.H + h) * c.Tq + t;
          int oi = 3 + (b * c.Tq + t) * c.H * c.dh + h * c.dh;
          if (max == Double.NEGATIVE_INFINITY) {
            lse[li] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double sum = 0;
          for (int j = 0; j < c.Tk; j++) {
            sum += Math.exp(s[t][j] - max);
          }
          lse[li] = max + Math.log(sum);
          for (int j = 0; j < c.Tk; j++) {
            double prob = Math.exp(s[t][j] - max) / sum;
            if (c.p > 0) {
              long idx = (((long) b * c.H + h) * c.Tq + t) * c.Tk + j;
              prob *= Rng.uniform(pr.seed, idx) >= c.p ? keep : 0;
            }
            for (int d = 0; d < c.dh; d++) {
              out[oi + d] += prob * pr.kvArr[pr.vOff + (b * c.Tk + j) * pr.vStride + h * c.dh + d];
            }
          }
        }
      }
    }
    return new double[][] {out, lse};
  }

  @Test
  void forwardMatchesNaiveReference() {
    long seed = 1;
    List<Case> all = new ArrayList<>(smallCases());
    all.addAll(largeCases());
    for (Case c : all) {
      Problem pr = new Problem(c, seed++);
      double[][] ref = naive(pr);
      double[][] r64 = pr.forward64(pr.qArr, pr.kvArr);
      assertClose(c + " Kernels64 out", ref[0], r64[0], 1e-12, 1e-12);
      assertClose(c + " Kernels64 lse", ref[1], r64[1], 1e-12, 1e-12);

      float[] out = new float[pr.outLen() + 3];
      float[] lse = new float[c.B * c.H * c.Tq + 1];
      float[] q32 = f(pr.qArr);
      float[] kv32 = c.self() ? q32 : f(pr.kvArr);
      Kernels32.attention(
          c.B,
          c.Tq,
          c.Tk,
          c.H,
          c.dh,
          q32,
          pr.qOff,
          pr.qStride,
          kv32,
          pr.kOff,
          pr.kStride,
          kv32,
          pr.vOff,
          pr.vStride,
          out,
          3,
          lse,
          1,
          pr.scale,
          c.mask,
          c.lengths,
          c.p,
          pr.seed);
      assertClose(c + " Kernels32 out", ref[0], out, 1e-4, 2e-5);
      assertClose(c + " Kernels32 lse", ref[1], lse, 1e-5, 1e-5);
    }
  }

  @Test
  void queriesWithoutVisibleKeysGiveZeroAndMinusInfinity() {
    Case c = new Case("!causal", 1, 4, 4, 1, 2, Masks.not(Masks.causal()), null, 0);
    Problem pr = new Problem(c, 9);
    double[][] r = pr.forward64(pr.qArr, pr.kvArr);
    assertEquals(Double.NEGATIVE_INFINITY, r[1][1 + 3]);
    assertEquals(0.0, r[0][3 + 3 * 2]);
    float[] out = new float[pr.outLen() + 3];
    java.util.Arrays.fill(out, Float.NaN);
    float[] lse = new float[5];
    float[] q32 = f(pr.qArr);
    Kernels32.attention(
        1,
        4,
        4,
        1,
        2,
        q32,
        pr.qOff,
        pr.qStride,
        q32,
        pr.kOff,
        pr.kStride,
        q32,
        pr.vOff,
        pr.vStride,
        out,
        3,
        lse,
        1,
        pr.scale,
        c.mask,
        null,
        0,
        0);
    assertEquals(Float.NEGATIVE_INFINITY, lse[1 + 3]);
    assertEquals(0f, out[3 + 3 * 2]);
    assertEquals(0f, out[3 + 3 * 2 + 1]);
  }

  @Test
  void backward64MatchesFiniteDifferences() {
    long seed = 100;
    for (Case c : smallCases()) {
      Problem pr = new Problem(c, seed++);
      double[] w = TestData.normal(seed++, pr.outLen() + 3);
      java.util.function.DoubleSupplier loss =
          () -> Kernels64GradientTest.dot(w, pr.forward64(pr.qArr, pr.kvArr)[0]);
      double[][] fwd = pr.forward64(pr.qArr, pr.kvArr);
      double[] preQ = TestData.normal(seed++, pr.qArr.length);
      double[] preKv = c.self() ? preQ : TestData.normal(seed++, pr.kvArr.length);
      double[] dq = preQ.clone();
      double[] dkv = c.self() ? dq : preKv.clone();
      Kernels64.attentionBackward(
          c.B,
          c.Tq,
          c.Tk,
          c.H,
          c.dh,
          pr.qArr,
          pr.qOff,
          pr.qStride,
          pr.kvArr,
          pr.kOff,
          pr.kStride,
          pr.kvArr,
          pr.vOff,
          pr.vStride,
          fwd[0],
          3,
          w,
          3,
          fwd[1],
          1,
          dq,
          pr.qOff,
          pr.qStride,
          dkv,
          pr.kOff,
          pr.kStride,
          dkv,
          pr.vOff,
          pr.vStride,
          pr.scale,
          c.mask,
          c.lengths,
          c.p,
          pr.seed);
      Kernels64GradientTest.check(
          c + " dq" + (c.self() ? "kv" : ""), pr.qArr, 0, pr.qArr.length, loss, dq, preQ);
      if (!c.self()) {
        Kernels64GradientTest.check(c + " dkv", pr.kvArr, 0, pr.kvArr.length, loss, dkv, preKv);
      }
    }
  }

  @Test
  void backward32MatchesBackward64() {
    long seed = 200;
    List<Case> all = new ArrayList<>(smallCases());
    all.addAll(largeCases());
    for (Case c : all) {
      Problem pr = new Problem(c, seed++);
      double[] w = TestData.uniform(seed++, pr.outLen() + 3, -1, 1);
      double[][] fwd = pr.forward64(pr.qArr, pr.kvArr);
      double[] preQ = TestData.uniform(seed++, pr.qArr.length, -1, 1);
      double[] preKv = c.self() ? preQ : TestData.uniform(seed++, pr.kvArr.length, -1, 1);
      double[] dq = preQ.clone();
      double[] dkv = c.self() ? dq : preKv.clone();
      Kernels64.attentionBackward(
          c.B,
          c.Tq,
          c.Tk,
          c.H,
          c.dh,
          pr.qArr,
          pr.qOff,
          pr.qStride,
          pr.kvArr,
          pr.kOff,
          pr.kStride,
          pr.kvArr,
          pr.vOff,
          pr.vStride,
          fwd[0],
          3,
          w,
          3,
          fwd[1],
          1,
          dq,
          pr.qOff,
          pr.qStride,
          dkv,
          pr.kOff,
          pr.kStride,
          dkv,
          pr.vOff,
          pr.vStride,
          pr.scale,
          c.mask,
          c.lengths,
          c.p,
          pr.seed);

      float[] q32 = f(pr.qArr);
      float[] kv32 = c.self() ? q32 : f(pr.kvArr);
      float[] out = new float[pr.outLen() + 3];
      float[] lse = new float[c.B * c.H * c.Tq + 1];
      Kernels32.attention(
          c.B,
          c.Tq,
          c.Tk,
          c.H,
          c.dh,
          q32,
          pr.qOff,
          pr.qStride,
          kv32,
          pr.kOff,
          pr.kStride,
          kv32,
          pr.vOff,
          pr.vStride,
          out,
          3,
          lse,
          1,
          pr.scale,
          c.mask,
          c.lengths,
          c.p,
          pr.seed);
      float[] dq32 = f(preQ);
      float[] dkv32 = c.self() ? dq32 : f(preKv);
      Kernels32.attentionBackward(
          c.B,
          c.Tq,
          c.Tk,
          c.H,
          c.dh,
          q32,
          pr.qOff,
          pr.qStride,
          kv32,
          pr.kOff,
          pr.kStride,
          kv32,
          pr.vOff,
          pr.vStride,
          out,
          3,
          f(w),
          3,
          lse,
          1,
          dq32,
          pr.qOff,
          pr.qStride,
          dkv32,
          pr.kOff,
          pr.kStride,
          dkv32,
          pr.vOff,
          pr.vStride,
          pr.scale,
          c.mask,
          c.lengths,
          c.p,
          pr.seed);
      assertClose(c + " dq", dq, dq32, 1e-4, 1e-4);
      if (!c.self()) {
        assertClose(c + " dkv", dkv, dkv32, 1e-4, 1e-4);
      }
    }
  }
}
