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
 * <p>Each key block is packed transposed ({@code dh × kb}, with gathers) so one query's scores
 * against the whole block come out of vector FMAs lane-per-key; four queries share each pass over
 * it. The forward pass also copies the block's values into contiguous rows: read in place they lie
 * one model row apart, a page or more for wide models, and the weighted sum over them ran about 1.6×
 * slower. Only key blocks that intersect a query's {@code [mask.lo, mask.hi)} range (clipped by its
 * sequence length) are touched, so banded masks cost O(T·w); the mask predicate is evaluated only
 * for masks that are not exact.
 */
final class Attention32 {
  private Attention32() {}

  /**
   * Queries per forward task, which share each packed key block: as many as keep the task's output
   * accumulators ({@code bq × dh} floats) within 16 KiB, half of L1, clamped to [32, 128]. Measured
   * with the four-query, four-vector score tiles: at dh = 32, 128 queries were 9% faster than 32 (one
   * packing per 128 queries); at dh = 64, 64 queries with 128-key blocks were 12-22% faster than 32
   * with 64-key blocks over T = 128…1024, causal and not, while 64 with 64 keys and 128 with 128 keys
   * were 30% and 25% slower.
   */
  private static int queryBlock(int dh) {
    return Math.max(32, Math.min(128, 4096 / Math.max(1, dh) / R * R));
  }

  /**
   * Queries whose scores and weighted values are computed together: their accumulators interleave,
   * which hides the FMA latency that one query's short dot products would wait on.
   */
  private static final int R = 4;

  /** Keys per block: a whole number of vectors. */
  private static final int BK = Math.max(64, L);

  /**
   * Keys per block in the forward pass: 128 when the packed block ({@code kb × dh} floats) stays
   * within 32 KiB, else {@link #BK}. Longer blocks halve the per-row cost of the online softmax (a
   * maximum, a rescale and a sum per block): at MiniLM's dh = 32 and T = 128, 128 keys were 8–15%
   * faster than 64; at GPT-2's dh = 64, see {@link #queryBlock}.
   */
  private static int keyBlock(int dh) {
    return dh * 128 <= 8192 ? Math.max(128, L) : BK;
  }

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
    int bq = Math.min(queryBlock(dh), Math.max(1, Tq));
    int kb = keyBlock(dh);
    // With fewer queries than a group, every task reads the keys in place (see below).
    boolean packs = Tq >= R;
    int qBlocks = (Tq + bq - 1) / bq;
    int tasks = B * H * qBlocks;
    float fscale = (float) scale;
    boolean predicate = Shared.needsPredicate(mask);
    long dropTh = Dropout32.threshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    long mixedSeed = Rng.mix(seed);
    Parallel.forRange(tasks, 1, (from, to) -> {
      float[] kt = packs ? new float[dh * kb] : null;
      float[] vt = packs ? new float[kb * dh] : null;
      int[] kLanes = packs ? laneOffsets(kStride) : null;
      float[] sc = new float[R * kb];
      float[] m = new float[bq];
      float[] l = new float[bq];
      float[] o = new float[bq * dh];
      int[] lo = new int[bq];
      int[] hi = new int[bq];
      for (int task = from; task < to; task++) {
        int b = task / (H * qBlocks);
        int h = task / qBlocks % H;
        int t0 = task % qBlocks * bq;
        int rows = Math.min(bq, Tq - t0);
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
        // Fewer queries than a group (a decoding step): each key would be packed to be used once,
        // so the scores are dot products with the keys where they are.
        boolean inPlace = rows < R;
        for (int s0 = kLo; s0 < kHi; s0 += kb) {
          int bk = Math.min(kb, kHi - s0);
          int kBlock = kOff + (b * Tk + s0) * kStride + h * dh;
          int vBlock = vOff + (b * Tk + s0) * vStride + h * dh;
          float[] vb = v;
          int vStr = vStride;
          if (!inPlace) {
            packTransposed(k, kBlock, kStride, bk, dh, kt, kLanes, kb);
            copyRows(v, vBlock, vStride, bk, dh, vt);
            vb = vt;
            vBlock = 0;
            vStr = dh;
          }
          for (int i0 = 0; i0 < rows; i0 += R) {
            int r = Math.min(R, rows - i0);
            // The group's keys: the union of its rows' ranges, widened to whole vectors.
            int uLo = bk;
            int uHi = 0;
            for (int i = i0; i < i0 + r; i++) {
              int jlo = Math.max(lo[i] - s0, 0);
              int jhi = Math.min(hi[i] - s0, bk);
              if (jlo < jhi) {
                uLo = Math.min(uLo, jlo);
                uHi = Math.max(uHi, jhi);
              }
            }
            if (uLo >= uHi) {
              continue;
            }
            int vs = uLo / L * L;
            int ve = (uHi + L - 1) / L * L;
            int qi = qOff + (b * Tq + t0 + i0) * qStride + h * dh;
            if (r == R) {
              scores4(q, qi, qStride, kt, kb, dh, vs, ve, fscale, sc);
            } else if (inPlace) {
              for (int g = 0; g < r; g++) {
                int row = g * kb;
                for (int j = vs; j < ve; j++) {
                  // Lanes past the block are masked before use.
                  sc[row + j] = j < bk
                      ? fscale * Vec.dot(dh, q, qi + g * qStride, k, kBlock + j * kStride)
                      : 0f;
                }
              }
            } else {
              for (int g = 0; g < r; g++) {
                scores(q, qi + g * qStride, kt, dh, vs, ve, fscale, sc, g * kb, kb);
              }
            }
            for (int g = 0; g < r; g++) {
              int i = i0 + g;
              int t = t0 + i;
              int row = g * kb;
              int jlo = Math.max(lo[i] - s0, 0);
              int jhi = Math.min(hi[i] - s0, bk);
              float rowMax = Float.NEGATIVE_INFINITY;
              if (jlo < jhi) {
                maskRow(sc, row, vs, jlo, jhi, ve, predicate, mask, t, s0);
                rowMax = Vec.max(ve - vs, sc, row + vs);
              }
              if (rowMax == Float.NEGATIVE_INFINITY) {
                // No visible key in this block: the row adds nothing (zero weights for the group's
                // shared accumulation below).
                java.util.Arrays.fill(sc, row + vs, row + ve, 0f);
                continue;
              }
              float mOld = m[i];
              float mNew = Math.max(mOld, rowMax);
              double sum = Vec.expShift(ve - vs, sc, row + vs, mNew, sc, row + vs);
              if (mOld == Float.NEGATIVE_INFINITY) {
                // The row's first visible keys: nothing accumulated yet to rescale.
                l[i] = (float) sum;
              } else {
                float corr = (float) Math.exp(mOld - mNew);
                l[i] = (float) (l[i] * corr + sum);
                if (corr != 1f) {
                  Vec.scale(dh, corr, o, i * dh);
                }
              }
              m[i] = mNew;
              if (dropoutP > 0) {
                long dropBase = Shared.attentionDropoutIndex(b, h, t, s0, H, Tq, Tk);
                Dropout32.apply(
                    sc, row + vs, ve - vs, seed, mixedSeed, dropBase + vs, dropTh, keepScale);
              }
            }
            // o_i += Σ_j p_ij·v_j over the group's keys (hidden keys have p = 0).
            if (r == R) {
              accumulate4(uHi - uLo, sc, kb, uLo, vb, vBlock + uLo * vStr, vStr, dh, o, i0 * dh);
            } else {
              for (int g = 0; g < r; g++) {
                Vec.accumulateRows(
                    dh,
                    sc,
                    g * kb + uLo,
                    1,
                    uHi - uLo,
                    vb,
                    vBlock + uLo * vStr,
                    vStr,
                    o,
                    (i0 + g) * dh);
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
            Vec.scaleInto(dh, 1f / l[i], o, i * dh, out, oi);
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
      int[] kLanes = laneOffsets(kStride);
      int[] vLanes = laneOffsets(vStride);
      float[] mult = new float[BK];
      // Per key block, every query's (dropped-out) probabilities and score gradients, so that dk
      // and dv can then be accumulated key by key in registers: O(Tq·BK) memory, like O(T·dh).
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
          packTransposed(
              k, kOff + (b * Tk + s0) * kStride + h * dh, kStride, bk, dh, kt, kLanes, BK);
          packTransposed(
              v, vOff + (b * Tk + s0) * vStride + h * dh, vStride, bk, dh, vt, vLanes, BK);
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
            scores(q, qi, kt, dh, vs, ve, fscale, pBuf, row, BK);
            maskRow(pBuf, row, vs, jlo, jhi, ve, predicate, mask, t, s0);
            Vec.expShift(ve - vs, pBuf, row + vs, lt, pBuf, row + vs); // P = exp(S - lse)
            scores(dout, di, vt, dh, vs, ve, 1f, dsBuf, row, BK); // dP_j = dout·v_j
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
          // dv_j += Σ_t (P·M)_tj·dout_t and dk_j += Σ_t dS_tj·q_t, each over the block's queries:
          // four keys at a time, so each query row is read once per four keys.
          for (int j = 0; j < bk; j += R) {
            int n = Math.min(R, bk - j);
            int s = b * Tk + s0 + j;
            accumulateKeys(
                n,
                dh,
                pBuf,
                tFirst * BK + j,
                BK,
                rows,
                dout,
                dFirst,
                H * dh,
                dv,
                dvOff + s * dvStride + h * dh,
                dvStride);
            accumulateKeys(
                n,
                dh,
                dsBuf,
                tFirst * BK + j,
                BK,
                rows,
                q,
                qFirst,
                qStride,
                dk,
                dkOff + s * dkStride + h * dh,
                dkStride);
          }
        }
      }
    });
  }

  /**
   * {@code dst[g] += Σ_{r < rows} w[wOff + r·wStride + g]·src[srcOff + r·srcStride + 0:dh]} for the
   * {@code n ≤ }{@link #R} rows {@code g} of {@code dst} ({@code dstOff + g·dstStride}): for four, {@link
   * Vec#accumulateRows} on four weight columns at once, so each source row is loaded once for the
   * four, with each sum taken in the same row order (a source row is skipped when all four weights
   * are 0); fewer, a column at a time. The same operation as {@link #accumulate4} with the weights
   * transposed; one method with both weight strides as parameters measured 5% slower in the forward
   * pass at dh = 64, so the two stay apart.
   */
  private static void accumulateKeys(
      int n,
      int dh,
      float[] w,
      int wOff,
      int wStride,
      int rows,
      float[] src,
      int srcOff,
      int srcStride,
      float[] dst,
      int dstOff,
      int dstStride) {
    int o0 = dstOff;
    int o1 = o0 + dstStride;
    int o2 = o1 + dstStride;
    int o3 = o2 + dstStride;
    int d = 0;
    for (; n == R && d + 2 * L <= dh; d += 2 * L) {
      FloatVector a00 = FloatVector.fromArray(S, dst, o0 + d);
      FloatVector a01 = FloatVector.fromArray(S, dst, o0 + d + L);
      FloatVector a10 = FloatVector.fromArray(S, dst, o1 + d);
      FloatVector a11 = FloatVector.fromArray(S, dst, o1 + d + L);
      FloatVector a20 = FloatVector.fromArray(S, dst, o2 + d);
      FloatVector a21 = FloatVector.fromArray(S, dst, o2 + d + L);
      FloatVector a30 = FloatVector.fromArray(S, dst, o3 + d);
      FloatVector a31 = FloatVector.fromArray(S, dst, o3 + d + L);
      for (int r = 0; r < rows; r++) {
        int wr = wOff + r * wStride;
        float w0 = w[wr];
        float w1 = w[wr + 1];
        float w2 = w[wr + 2];
        float w3 = w[wr + 3];
        if (w0 == 0f && w1 == 0f && w2 == 0f && w3 == 0f) {
          continue;
        }
        int si = srcOff + r * srcStride + d;
        FloatVector x0 = FloatVector.fromArray(S, src, si);
        FloatVector x1 = FloatVector.fromArray(S, src, si + L);
        FloatVector b = FloatVector.broadcast(S, w0);
        a00 = b.fma(x0, a00);
        a01 = b.fma(x1, a01);
        b = FloatVector.broadcast(S, w1);
        a10 = b.fma(x0, a10);
        a11 = b.fma(x1, a11);
        b = FloatVector.broadcast(S, w2);
        a20 = b.fma(x0, a20);
        a21 = b.fma(x1, a21);
        b = FloatVector.broadcast(S, w3);
        a30 = b.fma(x0, a30);
        a31 = b.fma(x1, a31);
      }
      a00.intoArray(dst, o0 + d);
      a01.intoArray(dst, o0 + d + L);
      a10.intoArray(dst, o1 + d);
      a11.intoArray(dst, o1 + d + L);
      a20.intoArray(dst, o2 + d);
      a21.intoArray(dst, o2 + d + L);
      a30.intoArray(dst, o3 + d);
      a31.intoArray(dst, o3 + d + L);
    }
    if (d < dh) {
      // The columns left (all of them for fewer than four keys), a key at a time.
      for (int g = 0; g < n; g++) {
        Vec.accumulateRows(
            dh - d,
            w,
            wOff + g,
            wStride,
            rows,
            src,
            srcOff + d,
            srcStride,
            dst,
            dstOff + g * dstStride + d);
      }
    }
  }

  /**
   * {@code dst[d·ld + j] = src[off + j·stride + d]} for {@code j < bk}, zero for {@code bk <= j < ld}.
   */
  private static void packTransposed(
      float[] src, int off, int stride, int bk, int dh, float[] dst, int[] lanes, int ld) {
    int j = 0;
    // Whole vectors of keys: one gather per d (lane i reads key j + i).
    for (; j + L <= bk; j += L) {
      int base = off + j * stride;
      for (int d = 0; d < dh; d++) {
        FloatVector.fromArray(S, src, base + d, lanes, 0).intoArray(dst, d * ld + j);
      }
    }
    for (; j < bk; j++) {
      int row = off + j * stride;
      for (int d = 0; d < dh; d++) {
        dst[d * ld + j] = src[row + d];
      }
    }
    if (bk < ld) {
      for (int d = 0; d < dh; d++) {
        java.util.Arrays.fill(dst, d * ld + bk, d * ld + ld, 0f);
      }
    }
  }

  /**
   * {@code dst[j·dh + d] = src[off + j·stride + d]} for {@code j < rows}: rows too short for {@code
   * System.arraycopy}'s call to pay off, copied a vector at a time.
   */
  private static void copyRows(float[] src, int off, int stride, int rows, int dh, float[] dst) {
    for (int j = 0; j < rows; j++) {
      int from = off + j * stride;
      int to = j * dh;
      int d = 0;
      for (; d + L <= dh; d += L) {
        FloatVector.fromArray(S, src, from + d).intoArray(dst, to + d);
      }
      for (; d < dh; d++) {
        dst[to + d] = src[from + d];
      }
    }
  }

  /** {@code i · stride} for each lane {@code i}: the gather offsets of {@link #packTransposed}. */
  private static int[] laneOffsets(int stride) {
    int[] lanes = new int[L];
    for (int i = 0; i < L; i++) {
      lanes[i] = i * stride;
    }
    return lanes;
  }

  /**
   * {@code out[outOff + j] = scale·Σ_d x[xi + d]·packed[d·ld + j]} for the lanes {@code [vs, ve)}.
   */
  private static void scores(
      float[] x,
      int xi,
      float[] packed,
      int dh,
      int vs,
      int ve,
      float scale,
      float[] out,
      int outOff,
      int ld) {
    int j = vs;
    for (; j + 2 * L <= ve; j += 2 * L) {
      FloatVector acc0 = FloatVector.zero(S);
      FloatVector acc1 = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        FloatVector xd = FloatVector.broadcast(S, x[xi + d]);
        acc0 = xd.fma(FloatVector.fromArray(S, packed, d * ld + j), acc0);
        acc1 = xd.fma(FloatVector.fromArray(S, packed, d * ld + j + L), acc1);
      }
      acc0.mul(scale).intoArray(out, outOff + j);
      acc1.mul(scale).intoArray(out, outOff + j + L);
    }
    for (; j < ve; j += L) {
      FloatVector acc = FloatVector.zero(S);
      for (int d = 0; d < dh; d++) {
        acc = FloatVector.broadcast(S, x[xi + d])
            .fma(FloatVector.fromArray(S, packed, d * ld + j), acc);
      }
      acc.mul(scale).intoArray(out, outOff + j);
    }
  }

  /**
   * {@link #scores} for {@link #R} consecutive queries (rows {@code xi + g·xStride}) at once, into
   * {@code out[g·ld + j]}: four key vectors (or two, or one, at the end) × four queries in flight per
   * step of {@code d}. Each lane
   * adds the same products in the same order as {@link #scores}, so the results are identical.
   */
  private static void scores4(
      float[] x,
      int xi,
      int xStride,
      float[] packed,
      int ld,
      int dh,
      int vs,
      int ve,
      float scale,
      float[] out) {
    int x1 = xi + xStride;
    int x2 = xi + 2 * xStride;
    int x3 = xi + 3 * xStride;
    int j = vs;
    for (; j + 4 * L <= ve; j += 4 * L) {
      FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
      FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
      FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
      for (int d = 0; d < dh; d++) {
        int kd = d * ld + j;
        FloatVector k0 = FloatVector.fromArray(S, packed, kd);
        FloatVector k1 = FloatVector.fromArray(S, packed, kd + L);
        FloatVector k2 = FloatVector.fromArray(S, packed, kd + 2 * L);
        FloatVector k3 = FloatVector.fromArray(S, packed, kd + 3 * L);
        FloatVector q = FloatVector.broadcast(S, x[xi + d]);
        a00 = q.fma(k0, a00);
        a01 = q.fma(k1, a01);
        a02 = q.fma(k2, a02);
        a03 = q.fma(k3, a03);
        q = FloatVector.broadcast(S, x[x1 + d]);
        a10 = q.fma(k0, a10);
        a11 = q.fma(k1, a11);
        a12 = q.fma(k2, a12);
        a13 = q.fma(k3, a13);
        q = FloatVector.broadcast(S, x[x2 + d]);
        a20 = q.fma(k0, a20);
        a21 = q.fma(k1, a21);
        a22 = q.fma(k2, a22);
        a23 = q.fma(k3, a23);
        q = FloatVector.broadcast(S, x[x3 + d]);
        a30 = q.fma(k0, a30);
        a31 = q.fma(k1, a31);
        a32 = q.fma(k2, a32);
        a33 = q.fma(k3, a33);
      }
      a00.mul(scale).intoArray(out, j);
      a01.mul(scale).intoArray(out, j + L);
      a02.mul(scale).intoArray(out, j + 2 * L);
      a03.mul(scale).intoArray(out, j + 3 * L);
      a10.mul(scale).intoArray(out, ld + j);
      a11.mul(scale).intoArray(out, ld + j + L);
      a12.mul(scale).intoArray(out, ld + j + 2 * L);
      a13.mul(scale).intoArray(out, ld + j + 3 * L);
      a20.mul(scale).intoArray(out, 2 * ld + j);
      a21.mul(scale).intoArray(out, 2 * ld + j + L);
      a22.mul(scale).intoArray(out, 2 * ld + j + 2 * L);
      a23.mul(scale).intoArray(out, 2 * ld + j + 3 * L);
      a30.mul(scale).intoArray(out, 3 * ld + j);
      a31.mul(scale).intoArray(out, 3 * ld + j + L);
      a32.mul(scale).intoArray(out, 3 * ld + j + 2 * L);
      a33.mul(scale).intoArray(out, 3 * ld + j + 3 * L);
    }
    for (; j + 2 * L <= ve; j += 2 * L) {
      FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
      FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      for (int d = 0; d < dh; d++) {
        FloatVector k0 = FloatVector.fromArray(S, packed, d * ld + j);
        FloatVector k1 = FloatVector.fromArray(S, packed, d * ld + j + L);
        FloatVector q = FloatVector.broadcast(S, x[xi + d]);
        a00 = q.fma(k0, a00);
        a01 = q.fma(k1, a01);
        q = FloatVector.broadcast(S, x[x1 + d]);
        a10 = q.fma(k0, a10);
        a11 = q.fma(k1, a11);
        q = FloatVector.broadcast(S, x[x2 + d]);
        a20 = q.fma(k0, a20);
        a21 = q.fma(k1, a21);
        q = FloatVector.broadcast(S, x[x3 + d]);
        a30 = q.fma(k0, a30);
        a31 = q.fma(k1, a31);
      }
      a00.mul(scale).intoArray(out, j);
      a01.mul(scale).intoArray(out, j + L);
      a10.mul(scale).intoArray(out, ld + j);
      a11.mul(scale).intoArray(out, ld + j + L);
      a20.mul(scale).intoArray(out, 2 * ld + j);
      a21.mul(scale).intoArray(out, 2 * ld + j + L);
      a30.mul(scale).intoArray(out, 3 * ld + j);
      a31.mul(scale).intoArray(out, 3 * ld + j + L);
    }
    for (; j < ve; j += L) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      for (int d = 0; d < dh; d++) {
        FloatVector k0 = FloatVector.fromArray(S, packed, d * ld + j);
        a0 = FloatVector.broadcast(S, x[xi + d]).fma(k0, a0);
        a1 = FloatVector.broadcast(S, x[x1 + d]).fma(k0, a1);
        a2 = FloatVector.broadcast(S, x[x2 + d]).fma(k0, a2);
        a3 = FloatVector.broadcast(S, x[x3 + d]).fma(k0, a3);
      }
      a0.mul(scale).intoArray(out, j);
      a1.mul(scale).intoArray(out, ld + j);
      a2.mul(scale).intoArray(out, 2 * ld + j);
      a3.mul(scale).intoArray(out, 3 * ld + j);
    }
  }

  /**
   * {@code o[g] += Σ_j p[g·ld + pOff + j]·v[vi + j·vStride]} for the {@link #R} rows {@code g} of
   * {@code o} (each {@code dh} long, starting at {@code oOff}), over {@code n} keys: the keys stream
   * past four queries' accumulators, two vectors of each.
   */
  private static void accumulate4(
      int n,
      float[] p,
      int ld,
      int pOff,
      float[] v,
      int vi,
      int vStride,
      int dh,
      float[] o,
      int oOff) {
    int d = 0;
    for (; d + 2 * L <= dh; d += 2 * L) {
      int o0 = oOff + d;
      int o1 = o0 + dh;
      int o2 = o1 + dh;
      int o3 = o2 + dh;
      FloatVector a00 = FloatVector.fromArray(S, o, o0);
      FloatVector a01 = FloatVector.fromArray(S, o, o0 + L);
      FloatVector a10 = FloatVector.fromArray(S, o, o1);
      FloatVector a11 = FloatVector.fromArray(S, o, o1 + L);
      FloatVector a20 = FloatVector.fromArray(S, o, o2);
      FloatVector a21 = FloatVector.fromArray(S, o, o2 + L);
      FloatVector a30 = FloatVector.fromArray(S, o, o3);
      FloatVector a31 = FloatVector.fromArray(S, o, o3 + L);
      for (int j = 0; j < n; j++) {
        int row = vi + j * vStride + d;
        FloatVector v0 = FloatVector.fromArray(S, v, row);
        FloatVector v1 = FloatVector.fromArray(S, v, row + L);
        FloatVector w = FloatVector.broadcast(S, p[pOff + j]);
        a00 = w.fma(v0, a00);
        a01 = w.fma(v1, a01);
        w = FloatVector.broadcast(S, p[ld + pOff + j]);
        a10 = w.fma(v0, a10);
        a11 = w.fma(v1, a11);
        w = FloatVector.broadcast(S, p[2 * ld + pOff + j]);
        a20 = w.fma(v0, a20);
        a21 = w.fma(v1, a21);
        w = FloatVector.broadcast(S, p[3 * ld + pOff + j]);
        a30 = w.fma(v0, a30);
        a31 = w.fma(v1, a31);
      }
      a00.intoArray(o, o0);
      a01.intoArray(o, o0 + L);
      a10.intoArray(o, o1);
      a11.intoArray(o, o1 + L);
      a20.intoArray(o, o2);
      a21.intoArray(o, o2 + L);
      a30.intoArray(o, o3);
      a31.intoArray(o, o3 + L);
    }
    if (d < dh) {
      // The last (under two vectors) columns, a query at a time.
      for (int g = 0; g < R; g++) {
        Vec.accumulateRows(
            dh - d, p, g * ld + pOff, 1, n, v, vi + d, vStride, o, oOff + g * dh + d);
      }
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
