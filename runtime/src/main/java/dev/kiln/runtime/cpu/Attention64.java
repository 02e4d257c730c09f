package dev.kiln.runtime.cpu;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.mask.Mask;

/**
 * The double-precision reference attention: one query at a time, scores for its visible keys in a
 * {@code Tk}-long buffer, a plain (not online) softmax. Clear rather than fast.
 */
final class Attention64 {
  private Attention64() {}

  static void forward(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      double[] q,
      int qOff,
      int qStride,
      double[] k,
      int kOff,
      int kStride,
      double[] v,
      int vOff,
      int vStride,
      double[] out,
      int outOff,
      double[] lse,
      int lseOff,
      double scale,
      Mask mask,
      int[] lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    double keepScale = Shared.keepScale(dropoutP);
    double[] s = new double[Math.max(Tk, 1)];
    for (int b = 0; b < B; b++) {
      for (int h = 0; h < H; h++) {
        for (int t = 0; t < Tq; t++) {
          int qi = qOff + (b * Tq + t) * qStride + h * dh;
          int oi = outOff + (b * Tq + t) * (H * dh) + h * dh;
          int lo = Shared.keyLo(mask, t, Tk);
          int hi = Shared.keyHi(mask, t, Tk, lengths, b);
          double m = Double.NEGATIVE_INFINITY;
          for (int j = lo; j < hi; j++) {
            s[j] = Double.NEGATIVE_INFINITY;
            if (visible(mask, t, j)) {
              double dot = 0;
              int ki = kOff + (b * Tk + j) * kStride + h * dh;
              for (int d = 0; d < dh; d++) {
                dot += q[qi + d] * k[ki + d];
              }
              s[j] = scale * dot;
              m = Math.max(m, s[j]);
            }
          }
          for (int d = 0; d < dh; d++) {
            out[oi + d] = 0;
          }
          if (m == Double.NEGATIVE_INFINITY) {
            lse[lseOff + (b * H + h) * Tq + t] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double sum = 0;
          for (int j = lo; j < hi; j++) {
            sum += Math.exp(s[j] - m);
          }
          double l = m + Math.log(sum);
          lse[lseOff + (b * H + h) * Tq + t] = l;
          for (int j = lo; j < hi; j++) {
            double p = Math.exp(s[j] - l)
                * dropMultiplier(dropoutP, keepScale, seed, b, h, t, j, H, Tq, Tk);
            if (p == 0) {
              continue;
            }
            int vi = vOff + (b * Tk + j) * vStride + h * dh;
            for (int d = 0; d < dh; d++) {
              out[oi + d] += p * v[vi + d];
            }
          }
        }
      }
    }
  }

  static void backward(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      double[] q,
      int qOff,
      int qStride,
      double[] k,
      int kOff,
      int kStride,
      double[] v,
      int vOff,
      int vStride,
      double[] out,
      int outOff,
      double[] dout,
      int doutOff,
      double[] lse,
      int lseOff,
      double[] dq,
      int dqOff,
      int dqStride,
      double[] dk,
      int dkOff,
      int dkStride,
      double[] dv,
      int dvOff,
      int dvStride,
      double scale,
      Mask mask,
      int[] lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    double keepScale = Shared.keepScale(dropoutP);
    for (int b = 0; b < B; b++) {
      for (int h = 0; h < H; h++) {
        for (int t = 0; t < Tq; t++) {
          double l = lse[lseOff + (b * H + h) * Tq + t];
          if (l == Double.NEGATIVE_INFINITY) {
            continue; // no visible key: the output is a constant 0
          }
          int qi = qOff + (b * Tq + t) * qStride + h * dh;
          int oi = outOff + (b * Tq + t) * (H * dh) + h * dh;
          int dqi = dqOff + (b * Tq + t) * dqStride + h * dh;
          // D = Σ dout·out = Σ_j P_j·M_j·(dout·v_j): the softmax Jacobian's shared term.
          double D = 0;
          for (int d = 0; d < dh; d++) {
            D += dout[doutOff + oi - outOff + d] * out[oi + d];
          }
          int lo = Shared.keyLo(mask, t, Tk);
          int hi = Shared.keyHi(mask, t, Tk, lengths, b);
          for (int j = lo; j < hi; j++) {
            if (!visible(mask, t, j)) {
              continue;
            }
            int ki = kOff + (b * Tk + j) * kStride + h * dh;
            int vi = vOff + (b * Tk + j) * vStride + h * dh;
            double dot = 0;
            for (int d = 0; d < dh; d++) {
              dot += q[qi + d] * k[ki + d];
            }
            double p = Math.exp(scale * dot - l);
            double mult = dropMultiplier(dropoutP, keepScale, seed, b, h, t, j, H, Tq, Tk);
            double dP = 0; // dL/dP_j = M_j·(dout·v_j)
            for (int d = 0; d < dh; d++) {
              dP += dout[doutOff + oi - outOff + d] * v[vi + d];
            }
            dP *= mult;
            double dS = p * (dP - D);
            int dki = dkOff + (b * Tk + j) * dkStride + h * dh;
            int dvi = dvOff + (b * Tk + j) * dvStride + h * dh;
            for (int d = 0; d < dh; d++) {
              dv[dvi + d] += p * mult * dout[doutOff + oi - outOff + d];
              dq[dqi + d] += scale * dS * k[ki + d];
              dk[dki + d] += scale * dS * q[qi + d];
            }
          }
        }
      }
    }
  }

  private static boolean visible(Mask mask, int t, int j) {
    return !Shared.needsPredicate(mask) || mask.visible(t, j);
  }

  /** M = keep/(1-p) for attention probability (b, h, t, j); 1 without dropout. */
  private static double dropMultiplier(
      double p, double keepScale, long seed, int b, int h, int t, int j, int H, int Tq, int Tk) {
    if (p == 0) {
      return 1;
    }
    return Rng.uniform(seed, Shared.attentionDropoutIndex(b, h, t, j, H, Tq, Tk)) >= p
        ? keepScale
        : 0;
  }
}
