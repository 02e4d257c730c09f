package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.Vec.L;
import static dev.kiln.runtime.cpu.Vec.S;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.mask.Mask;
import jdk.incubator.vector.FloatVector;

/**
 * Float fused multi-head attention in the FlashAttention manner: keys are visited in blocks, the softmax
 * is computed online (running max and sum per query), and the backward pass recomputes probabilities
 * from the saved log-sum-exp, so no {@code Tq × Tk} matrix ever exists.
 *
 * <p>Each key block is packed transposed ({@code dh × BK}) so one query's scores against the whole
 * block come out of vector FMAs lane-per-key. Only key blocks that intersect a query's
 * {@code [mask.lo, mask.hi)} range (clipped by its sequence length) are touched, so banded masks cost
 * O(T·w); the mask predicate is evaluated only for masks that are not exact.
 */
final class Attention32 {
  private Attention32() {}

  /** Queries per forward task (they share each packed key block). */
  private static final int BQ = 32;

  /** Keys per block: a whole number of vectors. */
  private static final int BK = Math.max(64, L);

  static void forward(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      float[] q,
      int qOff,
      int qStride,
      float[] k,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      float[] out,
      int outOff,
      float[] lse,
      int lseOff,
      double scale,
      Mask mask,
      int[] lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    int qBlocks = (Tq + BQ - 1) / BQ;
    int tasks = B * H * qBlocks;
    float fscale = (float) scale;
    boolean predicate = Shared.needsPredicate(mask);
    long dropTh = Pointwise32.dropThreshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    Parallel.forRange(tasks, 1, (from, to) -> {
      float[] kt = new float[dh * BK];
      float[] sc = new float[BK];
      float[] m = new float[BQ];
      float[] l = new float[BQ];
      float[] o = new float[BQ * dh];
      int[] lo = new int[BQ];
      int[] hi = new int[BQ];
      for (int task = from; task < to; task++) {
        int b = task / (H * qBlocks);
        int h = task / qBlocks % H;
        int t0 = task % qBlocks * BQ;
        int rows = Math.min(BQ, Tq - t0);
        int kLo = Tk;
        int kHi = 0;
        for (int i = 0; i < rows; i++) {
          lo[i] = Shared.keyLo(mask, t0 + i, Tk);
          hi[i] = Shared.keyHi(mask, t0 + i, Tk, lengths, b);
          if (lo[i] < hi[i]) {
            kLo = Math.min(kLo, lo[i]);
            kHi = Math.max(kHi, hi[i]);
          }
        }
        java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(l, 0f);
        java.util.Arrays.fill(o, 0f);
        for (int s0 = kLo; s0 < kHi; s0 += BK) {
          int bk = Math.min(BK, kHi - s0);
          packTransposed(k, kOff + (b * Tk + s0) * kStride + h * dh, kStride, bk, dh, kt);
          for (int i = 0; i < rows; i++) {
            int t = t0 + i;
            int jlo = Math.max(lo[i] - s0, 0);
            int jhi = Math.min(hi[i] - s0, bk);
            if (jlo >= jhi) {
              continue;
            }
            int qi = qOff + (b * Tq + t) * qStride + h * dh;
            int vs = jlo / L * L;
            int ve = (jhi + L - 1) / L * L;
            scores(q, qi, kt, dh, vs, ve, fscale, sc);
            maskRow(sc, vs, jlo, jhi, ve, predicate, mask, t, s0);
            float rowMax = Vec.max(ve - vs, sc, vs);
            if (rowMax == Float.NEGATIVE_INFINITY) {
              continue;
            }
            float mNew = Math.max(m[i], rowMax);
            float corr = (float) Math.exp(m[i] - mNew);
            l[i] = (float) (l[i] * corr + Vec.expShift(ve - vs, sc, vs, mNew, sc, vs));
            if (corr != 1f) {
              Vec.scale(dh, corr, o, i * dh);
            }
            m[i] = mNew;
            long dropBase = dropoutP > 0 ? Shared.attentionDropoutIndex(b, h, t, s0, H, Tq, Tk) : 0;
            for (int j = jlo; j < jhi; j++) {
              float p = sc[j];
              if (dropoutP > 0) {
                p = (Rng.bits(seed, dropBase + j) >>> 40) >= dropTh ? p * keepScale : 0f;
              }
              if (p != 0f) {
                Vec.axpy(dh, p, v, vOff + (b * Tk + s0 + j) * vStride + h * dh, o, i * dh);
              }
            }
          }
        }
        for (int i = 0; i < rows; i++) {
          int t = t0 + i;
          int oi = outOff + (b * Tq + t) * (H * dh) + h * dh;
          int li = lseOff + (b * H + h) * Tq + t;
          if (l[i] == 0f) {
            java.util.Arrays.fill(out, oi, oi + dh, 0f);
            lse[li] = Float.NEGATIVE_INFINITY;
          } else {
            float inv = 1f / l[i];
            for (int d = 0; d < dh; d++) {
              out[oi + d] = o[i * dh + d] * inv;
            }
            lse[li] = (float) (m[i] + Math.log(l[i]));
          }
        }
      }
    });
  }

  static void backward(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      float[] q,
      int qOff,
      int qStride,
      float[] k,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      float[] out,
      int outOff,
      float[] dout,
      int doutOff,
      float[] lse,
      int lseOff,
      float[] dq,
      int dqOff,
      int dqStride,
      float[] dk,
      int dkOff,
      int dkStride,
      float[] dv,
      int dvOff,
      int dvStride,
      double scale,
      Mask mask,
      int[] lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    float fscale = (float) scale;
    boolean predicate = Shared.needsPredicate(mask);
    long dropTh = Pointwise32.dropThreshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    // One task per (batch, head): the task owns its dk/dv (and dq) rows outright, so no races.
    Parallel.forRange(B * H, 1, (from, to) -> {
      float[] kt = new float[dh * BK];
      float[] vt = new float[dh * BK];
      float[] p = new float[BK];
      float[] dp = new float[BK];
      float[] pd = new float[BK];
      float[] dkb = new float[BK * dh];
      float[] dvb = new float[BK * dh];
      int[] lo = new int[Tq];
      int[] hi = new int[Tq];
      float[] dRow = new float[Tq];
      for (int task = from; task < to; task++) {
        int b = task / H;
        int h = task % H;
        int kLo = Tk;
        int kHi = 0;
        for (int t = 0; t < Tq; t++) {
          lo[t] = Shared.keyLo(mask, t, Tk);
          hi[t] = Shared.keyHi(mask, t, Tk, lengths, b);
          if (lo[t] < hi[t]) {
            kLo = Math.min(kLo, lo[t]);
            kHi = Math.max(kHi, hi[t]);
          }
          int oi = (b * Tq + t) * (H * dh) + h * dh;
          // D_t = Σ dout·out, the softmax Jacobian's shared term (dropout included, through out).
          dRow[t] = Vec.dot(dh, dout, doutOff + oi, out, outOff + oi);
        }
        for (int s0 = kLo; s0 < kHi; s0 += BK) {
          int bk = Math.min(BK, kHi - s0);
          packTransposed(k, kOff + (b * Tk + s0) * kStride + h * dh, kStride, bk, dh, kt);
          packTransposed(v, vOff + (b * Tk + s0) * vStride + h * dh, vStride, bk, dh, vt);
          java.util.Arrays.fill(dkb, 0, bk * dh, 0f);
          java.util.Arrays.fill(dvb, 0, bk * dh, 0f);
          for (int t = 0; t < Tq; t++) {
            int jlo = Math.max(lo[t] - s0, 0);
            int jhi = Math.min(hi[t] - s0, bk);
            float lt = lse[lseOff + (b * H + h) * Tq + t];
            if (jlo >= jhi || lt == Float.NEGATIVE_INFINITY) {
              continue;
            }
            int qi = qOff + (b * Tq + t) * qStride + h * dh;
            int di = doutOff + (b * Tq + t) * (H * dh) + h * dh;
            int dqi = dqOff + (b * Tq + t) * dqStride + h * dh;
            int vs = jlo / L * L;
            int ve = (jhi + L - 1) / L * L;
            scores(q, qi, kt, dh, vs, ve, fscale, p);
            maskRow(p, vs, jlo, jhi, ve, predicate, mask, t, s0);
            Vec.expShift(ve - vs, p, vs, lt, p, vs);
            scores(dout, di, vt, dh, vs, ve, 1f, dp); // dP_j = dout·v_j
            float[] pv = p;
            if (dropoutP > 0) {
              // With dropout multipliers M_j: dV uses P·M, and dL/dP_j = M_j·(dout·v_j).
              long dropBase = Shared.attentionDropoutIndex(b, h, t, s0, H, Tq, Tk);
              for (int j = vs; j < ve; j++) {
                float mult = j >= jlo && j < jhi && (Rng.bits(seed, dropBase + j) >>> 40) >= dropTh ? keepScale : 0f;
                pd[j] = p[j] * mult;
                dp[j] *= mult;
              }
              pv = pd;
            }
            // dS_j = P_j·(dP_j - D_t), stored over dp; the 1/scale chain factor folded in.
            FloatVector vD = FloatVector.broadcast(S, dRow[t]);
            for (int j = vs; j < ve; j += L) {
              FloatVector.fromArray(S, dp, j).sub(vD).mul(FloatVector.fromArray(S, p, j)).mul(fscale).intoArray(dp, j);
            }
            for (int j = jlo; j < jhi; j++) {
              if (pv[j] != 0f) {
                Vec.axpy(dh, pv[j], dout, di, dvb, j * dh);
              }
              float ds = dp[j];
              if (ds != 0f) {
                Vec.axpy(dh, ds, k, kOff + (b * Tk + s0 + j) * kStride + h * dh, dq, dqi);
                Vec.axpy(dh, ds, q, qi, dkb, j * dh);
              }
            }
          }
          for (int j = 0; j < bk; j++) {
            Vec.addTo(dh, dkb, j * dh, dk, dkOff + (b * Tk + s0 + j) * dkStride + h * dh);
            Vec.addTo(dh, dvb, j * dh, dv, dvOff + (b * Tk + s0 + j) * dvStride + h * dh);
          }
        }
      }
    });
  }

  /** {@code dst[d·BK + j] = src[off + j·stride + d]} for {@code j < bk}, zero for {@code bk <= j < BK}. */
  private static void packTransposed(float[] src, int off, int stride, int bk, int dh, float[] dst) {
    for (int j = 0; j < bk; j++) {
      int row = off + j * stride;
      for (int d = 0; d < dh; d++) {
        dst[d * BK + j] = src[row + d];
      }
    }
    if (bk < BK) {
      for (int d = 0; d < dh; d++) {
        java.util.Arrays.fill(dst, d * BK + bk, d * BK + BK, 0f);
      }
    }
  }

  /** {@code out[j] = scale·Σ_d x[xi + d]·packed[d·BK + j]} for the lanes {@code [vs, ve)}. */
  private static void scores(float[] x, int xi, float[] packed, int dh, int vs, int ve, float scale, float[] out) {
    int j = vs;
    for (; j + 2 * L <= ve; j += 2 * L) {
      FloatVector acc0 = FloatVector.zero(S);
      FloatVector acc1 = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        FloatVector xd = FloatVector.broadcast(S, x[xi + d]);
        acc0 = xd.fma(FloatVector.fromArray(S, packed, d * BK + j), acc0);
        acc1 = xd.fma(FloatVector.fromArray(S, packed, d * BK + j + L), acc1);
      }
      acc0.mul(scale).intoArray(out, j);
      acc1.mul(scale).intoArray(out, j + L);
    }
    for (; j < ve; j += L) {
      FloatVector acc = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        acc = FloatVector.broadcast(S, x[xi + d]).fma(FloatVector.fromArray(S, packed, d * BK + j), acc);
      }
      acc.mul(scale).intoArray(out, j);
    }
  }

  /** Sets to -∞ the lanes of {@code [vs, ve)} outside {@code [jlo, jhi)} or hidden by the predicate. */
  private static void maskRow(
      float[] sc, int vs, int jlo, int jhi, int ve, boolean predicate, Mask mask, int t, int s0) {
    for (int j = vs; j < jlo; j++) {
      sc[j] = Float.NEGATIVE_INFINITY;
    }
    for (int j = jhi; j < ve; j++) {
      sc[j] = Float.NEGATIVE_INFINITY;
    }
    if (predicate) {
      for (int j = jlo; j < jhi; j++) {
        if (!mask.visible(t, s0 + j)) {
          sc[j] = Float.NEGATIVE_INFINITY;
        }
      }
    }
  }

  static {
    // The lane arithmetic above assumes whole vectors tile a key block.
    if (BK % L != 0) {
      throw new AssertionError("key block " + BK + " is not a multiple of the vector length " + L);
    }
  }
}
