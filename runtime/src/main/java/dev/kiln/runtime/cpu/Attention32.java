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
    long dropTh = Dropout32.threshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    long mixedSeed = Rng.mix(seed);
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
            scores(q, qi, kt, dh, vs, ve, fscale, sc, 0);
            maskRow(sc, 0, vs, jlo, jhi, ve, predicate, mask, t, s0);
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
            if (dropoutP > 0) {
              long dropBase = Shared.attentionDropoutIndex(b, h, t, s0, H, Tq, Tk);
              Dropout32.apply(sc, vs, ve - vs, seed, mixedSeed, dropBase + vs, dropTh, keepScale);
            }
            // o_i += Σ_j p_j·v_j, held in registers across the block's keys.
            Vec.accumulateRows(
                dh,
                sc,
                jlo,
                1,
                jhi - jlo,
                v,
                vOff + (b * Tk + s0 + jlo) * vStride + h * dh,
                vStride,
                o,
                i * dh);
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
    long dropTh = Dropout32.threshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    long mixedSeed = Rng.mix(seed);
    // One task per (batch, head): the task owns its dq, dk and dv rows outright, so no races.
    Parallel.forRange(B * H, 1, (from, to) -> {
      float[] kt = new float[dh * BK];
      float[] vt = new float[dh * BK];
      float[] mult = new float[BK];
      // Per key block, every query's (dropped-out) probabilities and score gradients, so that dk
      // and dv
      // can then be accumulated key by key in registers: O(Tq·BK) memory, like O(T·dh).
      float[] pBuf = new float[Tq * BK];
      float[] dsBuf = new float[Tq * BK];
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
          if (lse[lseOff + (b * H + h) * Tq + t] == Float.NEGATIVE_INFINITY) {
            hi[t] = lo[t]; // no visible key: the output is a constant 0 and passes no gradient back
          }
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
          int tFirst = Tq;
          int tLast = -1;
          for (int t = 0; t < Tq; t++) {
            if (Math.max(lo[t], s0) < Math.min(hi[t], s0 + bk)) {
              tFirst = Math.min(tFirst, t);
              tLast = t;
            }
          }
          for (int t = tFirst; t <= tLast; t++) {
            int row = t * BK;
            int jlo = Math.max(lo[t] - s0, 0);
            int jhi = Math.min(hi[t] - s0, bk);
            if (jlo >= jhi) {
              java.util.Arrays.fill(pBuf, row, row + BK, 0f);
              java.util.Arrays.fill(dsBuf, row, row + BK, 0f);
              continue;
            }
            float lt = lse[lseOff + (b * H + h) * Tq + t];
            int qi = qOff + (b * Tq + t) * qStride + h * dh;
            int di = doutOff + (b * Tq + t) * (H * dh) + h * dh;
            int vs = jlo / L * L;
            int ve = (jhi + L - 1) / L * L;
            java.util.Arrays.fill(pBuf, row, row + vs, 0f);
            java.util.Arrays.fill(pBuf, row + ve, row + BK, 0f);
            java.util.Arrays.fill(dsBuf, row, row + vs, 0f);
            java.util.Arrays.fill(dsBuf, row + ve, row + BK, 0f);
            scores(q, qi, kt, dh, vs, ve, fscale, pBuf, row);
            maskRow(pBuf, row, vs, jlo, jhi, ve, predicate, mask, t, s0);
            Vec.expShift(ve - vs, pBuf, row + vs, lt, pBuf, row + vs); // P = exp(S - lse)
            scores(dout, di, vt, dh, vs, ve, 1f, dsBuf, row); // dP_j = dout·v_j
            if (dropoutP > 0) {
              // With dropout multipliers M_j: dL/dP_j = M_j·(dout·v_j), and dV uses P·M.
              // Lanes outside [jlo, jhi) have P = 0, so their multipliers do not matter.
              long dropBase = Shared.attentionDropoutIndex(b, h, t, s0, H, Tq, Tk);
              java.util.Arrays.fill(mult, vs, ve, 1f);
              Dropout32.apply(mult, vs, ve - vs, seed, mixedSeed, dropBase + vs, dropTh, keepScale);
              for (int j = vs; j < ve; j++) {
                dsBuf[row + j] *= mult[j];
              }
            }
            // dS_j = P_j·(dP_j - D_t), with the chain factor `scale` of S = scale·q·k folded in.
            FloatVector vD = FloatVector.broadcast(S, dRow[t]);
            for (int j = vs; j < ve; j += L) {
              FloatVector.fromArray(S, dsBuf, row + j)
                  .sub(vD)
                  .mul(FloatVector.fromArray(S, pBuf, row + j))
                  .mul(fscale)
                  .intoArray(dsBuf, row + j);
            }
            if (dropoutP > 0) {
              for (int j = vs; j < ve; j++) {
                pBuf[row + j] *= mult[j];
              }
            }
            // dq_t += Σ_j dS_j·k_j
            Vec.accumulateRows(
                dh,
                dsBuf,
                row + jlo,
                1,
                jhi - jlo,
                k,
                kOff + (b * Tk + s0 + jlo) * kStride + h * dh,
                kStride,
                dq,
                dqOff + (b * Tq + t) * dqStride + h * dh);
          }
          if (tFirst > tLast) {
            continue;
          }
          int rows = tLast - tFirst + 1;
          int qFirst = qOff + (b * Tq + tFirst) * qStride + h * dh;
          int dFirst = doutOff + (b * Tq + tFirst) * (H * dh) + h * dh;
          for (int j = 0; j < bk; j++) {
            int s = b * Tk + s0 + j;
            // dv_j += Σ_t (P·M)_tj·dout_t and dk_j += Σ_t dS_tj·q_t, each over the block's queries.
            Vec.accumulateRows(
                dh,
                pBuf,
                tFirst * BK + j,
                BK,
                rows,
                dout,
                dFirst,
                H * dh,
                dv,
                dvOff + s * dvStride + h * dh);
            Vec.accumulateRows(
                dh,
                dsBuf,
                tFirst * BK + j,
                BK,
                rows,
                q,
                qFirst,
                qStride,
                dk,
                dkOff + s * dkStride + h * dh);
          }
        }
      }
    });
  }

  /** {@code dst[d·BK + j] = src[off + j·stride + d]} for {@code j < bk}, zero for {@code bk <= j < BK}. */
  private static void packTransposed(
      float[] src, int off, int stride, int bk, int dh, float[] dst) {
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

  /** {@code out[outOff + j] = scale·Σ_d x[xi + d]·packed[d·BK + j]} for the lanes {@code [vs, ve)}. */
  private static void scores(
      float[] x,
      int xi,
      float[] packed,
      int dh,
      int vs,
      int ve,
      float scale,
      float[] out,
      int outOff) {
    int j = vs;
    for (; j + 2 * L <= ve; j += 2 * L) {
      FloatVector acc0 = FloatVector.zero(S);
      FloatVector acc1 = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        FloatVector xd = FloatVector.broadcast(S, x[xi + d]);
        acc0 = xd.fma(FloatVector.fromArray(S, packed, d * BK + j), acc0);
        acc1 = xd.fma(FloatVector.fromArray(S, packed, d * BK + j + L), acc1);
      }
      acc0.mul(scale).intoArray(out, outOff + j);
      acc1.mul(scale).intoArray(out, outOff + j + L);
    }
    for (; j < ve; j += L) {
      FloatVector acc = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        acc = FloatVector.broadcast(S, x[xi + d])
            .fma(FloatVector.fromArray(S, packed, d * BK + j), acc);
      }
      acc.mul(scale).intoArray(out, outOff + j);
    }
  }

  /** Sets to -∞ the lanes {@code off + [vs, ve)} outside {@code [jlo, jhi)} or hidden by the predicate. */
  private static void maskRow(
      float[] sc,
      int off,
      int vs,
      int jlo,
      int jhi,
      int ve,
      boolean predicate,
      Mask mask,
      int t,
      int s0) {
    for (int j = vs; j < jlo; j++) {
      sc[off + j] = Float.NEGATIVE_INFINITY;
    }
    for (int j = jhi; j < ve; j++) {
      sc[off + j] = Float.NEGATIVE_INFINITY;
    }
    if (predicate) {
      for (int j = jlo; j < jhi; j++) {
        if (!mask.visible(t, s0 + j)) {
          sc[off + j] = Float.NEGATIVE_INFINITY;
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
