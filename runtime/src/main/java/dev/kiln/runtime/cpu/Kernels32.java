package dev.kiln.runtime.cpu;

import dev.kiln.runtime.mask.Mask;

/**
 * The fast float32 CPU kernels that generated model code calls: vectorised with the Vector API and
 * spread over {@link Parallel}'s pool for large sizes.
 *
 * <p>Conventions: tensors are row-major flat arrays plus an offset; every {@code *Backward} kernel adds
 * into its gradient outputs and never overwrites them; forward kernels overwrite their outputs unless
 * an {@code accumulate} flag says otherwise. {@link Kernels64} has the same methods on {@code double[]}
 * as the reference. Inputs are trusted except token ids, targets and probabilities, which are checked
 * up front. This class only delegates; the kernels live in the package-private {@code *32} classes.
 */
public final class Kernels32 {
  private Kernels32() {}

  // ---------------------------------------------------------------------------------------- matmul

  /**
   * {@code C[M,N] (=, or += when accumulate) op(A)[M,K] · op(B)[K,N]}, where {@code op(A) = A} (stored
   * {@code M×K}, row stride {@code lda}) or, if {@code transA}, {@code Aᵀ} (A stored {@code K×M}); the
   * same for B ({@code N×K} stored when {@code transB}).
   */
  public static void gemm(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    Gemm32.gemm(
        transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, true, null);
  }

  /**
   * A dense layer, fused: {@code c[M,N] = x[M,K]·op(W) + bias} (W stored {@code K×N}, or {@code N×K}
   * when {@code transB}; a null {@code bias} adds nothing), then, unless {@code act} is
   * {@link Activation#NONE}, {@code out = act(c)}. Equal to {@link #gemm}, {@link #addBias} and the
   * activation kernel in turn, but each block of {@code c} gets its bias and activation while it is
   * still in cache.
   */
  public static void linear(
      boolean transB,
      int M,
      int N,
      int K,
      float[] x,
      int xOff,
      int ldx,
      float[] w,
      int wOff,
      int ldw,
      float[] bias,
      int biasOff,
      float[] c,
      int cOff,
      Activation act,
      float[] out,
      int outOff) {
    Gemm32.gemm(
        false,
        transB,
        M,
        N,
        K,
        x,
        xOff,
        ldx,
        w,
        wOff,
        ldw,
        c,
        cOff,
        N,
        false,
        true,
        new Gemm32.Epilogue(bias, biasOff, act, out, outOff, N));
  }

  /**
   * A batch of independent {@link #gemm}s; item {@code i} of X starts at {@code xOff + i·strideX}
   * ({@code strideB} may be 0 for a shared B).
   */
  public static void gemmBatched(
      int batch,
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int strideA,
      int lda,
      float[] b,
      int bOff,
      int strideB,
      int ldb,
      float[] c,
      int cOff,
      int strideC,
      int ldc,
      boolean accumulate) {
    Gemm32.gemmBatched(
        batch,
        transA,
        transB,
        M,
        N,
        K,
        a,
        aOff,
        strideA,
        lda,
        b,
        bOff,
        strideB,
        ldb,
        c,
        cOff,
        strideC,
        ldc,
        accumulate);
  }

  /** {@code c[r,j] += bias[j]}. */
  public static void addBias(int rows, int n, float[] c, int cOff, float[] bias, int biasOff) {
    Pointwise32.add(rows * n, c, cOff, bias, biasOff, n, c, cOff);
  }

  /** {@code dbias[j] += Σ_r dy[r,j]}. */
  public static void biasBackward(
      int rows, int n, float[] dy, int dyOff, float[] dbias, int dbOff) {
    Pointwise32.columnSums(rows, n, dy, dyOff, null, 0, 1.0, dbias, dbOff);
  }

  // ------------------------------------------------------------------------------------ embeddings

  /**
   * {@code out[i,:] = table[ids[i],:]}; an id outside {@code [0, vocab)} throws
   * {@link IllegalArgumentException} before anything is written.
   */
  public static void embedding(
      int n,
      int[] ids,
      int idsOff,
      float[] table,
      int tOff,
      int vocab,
      int dim,
      float[] out,
      int outOff) {
    Indexing32.embedding(n, ids, idsOff, table, tOff, vocab, dim, out, outOff);
  }

  /** {@code dtable[ids[i],:] += dout[i,:]}; ids are checked like {@link #embedding}. */
  public static void embeddingBackward(
      int n,
      int[] ids,
      int idsOff,
      float[] dout,
      int doutOff,
      float[] dtable,
      int dtOff,
      int vocab,
      int dim) {
    Indexing32.embeddingBackward(n, ids, idsOff, dout, doutOff, dtable, dtOff, vocab, dim);
  }

  /** {@code out[i] = i} (position ids). */
  public static void iota(int n, int[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = i;
    }
  }

  /**
   * Sinusoidal position encodings: {@code PE(pos,2i) = sin(pos/10000^(2i/dim))},
   * {@code PE(pos,2i+1) = cos(pos/10000^(2i/dim))}, angles computed in double.
   */
  public static void sinusoidal(int T, int dim, float[] out, int outOff) {
    for (int pos = 0; pos < T; pos++) {
      for (int j = 0; j < dim; j++) {
        out[outOff + pos * dim + j] = (float) Shared.sinusoid(pos, j, dim);
      }
    }
  }

  // ------------------------------------------------------------------------------------ pointwise

  /** {@code out[i] = a[i] + b[bOff + i % bn]} ({@code bn} divides {@code n}); {@code out} may alias {@code a}. */
  public static void add(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    Pointwise32.add(n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@code out[i] = a[i] - b[bOff + i % bn]}; {@code out} may alias {@code a}. */
  public static void sub(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    Pointwise32.sub(n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@code out[i] = a[i] · b[bOff + i % bn]}; {@code out} may alias {@code a}. */
  public static void mul(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    Pointwise32.mul(n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@code out = s·x}; {@code out} may alias {@code x}. */
  public static void scale(int n, float[] x, int xOff, double s, float[] out, int outOff) {
    Pointwise32.scale(n, x, xOff, s, out, outOff);
  }

  /** {@code x[:] = value}. */
  public static void fill(int n, float[] x, int xOff, double value) {
    Pointwise32.fill(n, x, xOff, value);
  }

  /** {@code y += alpha·x}. */
  public static void accumulate(int n, double alpha, float[] x, int xOff, float[] y, int yOff) {
    Pointwise32.accumulate(n, alpha, x, xOff, y, yOff);
  }

  /** The sinusoidal table's rows {@code start .. start+T-1} (positions of new tokens when decoding with a cache). */
  public static void sinusoidalFrom(int start, int T, int dim, float[] out, int outOff) {
    for (int pos = 0; pos < T; pos++) {
      for (int i = 0; i < dim; i++) {
        out[outOff + pos * dim + i] = (float) Shared.sinusoid(start + pos, i, dim);
      }
    }
  }

  /** {@code y[i] += s} for every i: the backward of a mean. */
  public static void accumulateScalar(int n, double s, float[] y, int yOff) {
    Pointwise32.accumulateScalar(n, s, y, yOff);
  }

  /** {@code db[j] += alpha·Σ_{i % bn == j} dout[i]}: the backward of a broadcast. */
  public static void reduceBroadcast(
      int n, int bn, double alpha, float[] dout, int doutOff, float[] db, int dbOff) {
    Pointwise32.reduceBroadcast(n, bn, alpha, dout, doutOff, db, dbOff);
  }

  /** {@code da[i] += dout[i]·b[i % bn]; db[i % bn] += dout[i]·a[i]}; a null {@code da} or {@code db} is skipped. */
  public static void mulBackward(
      int n,
      int bn,
      float[] dout,
      int doutOff,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] da,
      int daOff,
      float[] db,
      int dbOff) {
    Pointwise32.mulBackward(n, bn, dout, doutOff, a, aOff, b, bOff, da, daOff, db, dbOff);
  }

  // ---------------------------------------------------------------------------------- activations

  /** {@code out = max(x, 0)}. */
  public static void relu(int n, float[] x, int xOff, float[] out, int outOff) {
    Activations32.relu(n, x, xOff, out, outOff);
  }

  /** {@code dx += x > 0 ? dout : 0}. */
  public static void reluBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    Activations32.reluBackward(n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))}. */
  public static void gelu(int n, float[] x, int xOff, float[] out, int outOff) {
    Activations32.gelu(n, x, xOff, out, outOff);
  }

  /** Backward of {@link #gelu}. */
  public static void geluBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    Activations32.geluBackward(n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** Tanh-approximated GELU, {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
  public static void geluTanh(int n, float[] x, int xOff, float[] out, int outOff) {
    Activations32.geluTanh(n, x, xOff, out, outOff);
  }

  /** Backward of {@link #geluTanh}. */
  public static void geluTanhBackward(
      int n, float[] x, int xOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    Activations32.geluTanhBackward(n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** {@code out = tanh(x)}. */
  public static void tanh(int n, float[] x, int xOff, float[] out, int outOff) {
    Activations32.tanh(n, x, xOff, out, outOff);
  }

  /** {@code dx += dout·(1 - y²)}, from the forward's output {@code y}. */
  public static void tanhBackward(
      int n, float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    Activations32.tanhBackward(n, y, yOff, dout, doutOff, dx, dxOff);
  }

  // ------------------------------------------------------------------------------------ row-wise

  /** Softmax over the last dimension of a {@code rows × dim} matrix. */
  public static void softmax(int rows, int dim, float[] x, int xOff, float[] out, int outOff) {
    Rows32.softmax(rows, dim, x, xOff, out, outOff);
  }

  /** {@code dx += y·(dout - Σ dout·y)} per row, from the forward's output {@code y}. */
  public static void softmaxBackward(
      int rows, int dim, float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    Rows32.softmaxBackward(rows, dim, y, yOff, dout, doutOff, dx, dxOff);
  }

  /**
   * Layer normalisation over the last dimension with biased variance (as PyTorch); saves each row's
   * mean and {@code 1/sqrt(var + eps)}. A null {@code gamma} or {@code beta} means no scale or shift.
   */
  public static void layerNorm(
      int rows,
      int dim,
      float[] x,
      int xOff,
      float[] gamma,
      int gOff,
      float[] beta,
      int bOff,
      double eps,
      float[] out,
      int outOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff) {
    Rows32.layerNorm(
        rows, dim, x, xOff, null, 0, null, 0, gamma, gOff, beta, bOff, eps, out, outOff, mean,
        meanOff, rstd, rstdOff);
  }

  /**
   * A residual add and the layer norm of its result, fused row by row: {@code sum = x + y} (same
   * shape), then {@link #layerNorm} of {@code sum}, each row normalised while it is in cache.
   */
  public static void addLayerNorm(
      int rows,
      int dim,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] sum,
      int sumOff,
      float[] gamma,
      int gOff,
      float[] beta,
      int bOff,
      double eps,
      float[] out,
      int outOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff) {
    Rows32.layerNorm(
        rows, dim, x, xOff, y, yOff, sum, sumOff, gamma, gOff, beta, bOff, eps, out, outOff, mean,
        meanOff, rstd, rstdOff);
  }

  /**
   * Backward of {@link #layerNorm} from the saved statistics; a null {@code dx}, {@code dgamma} or
   * {@code dbeta} is skipped.
   */
  public static void layerNormBackward(
      int rows,
      int dim,
      float[] dout,
      int doutOff,
      float[] x,
      int xOff,
      float[] gamma,
      int gOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff,
      float[] dx,
      int dxOff,
      float[] dgamma,
      int dgOff,
      float[] dbeta,
      int dbOff) {
    Rows32.layerNormBackward(
        rows, dim, dout, doutOff, x, xOff, gamma, gOff, mean, meanOff, rstd, rstdOff, dx, dxOff,
        dgamma, dgOff, dbeta, dbOff);
  }

  // -------------------------------------------------------------------------------------- dropout

  /**
   * Inverted dropout: element {@code i} is kept iff {@code Rng.uniform(seed, i) >= p} and then scaled by
   * {@code 1/(1-p)}; {@code p == 0} copies. {@code p} outside {@code [0, 1]} throws.
   */
  public static void dropout(
      int n, double p, long seed, float[] x, int xOff, float[] out, int outOff) {
    Dropout32.dropout(n, p, seed, x, xOff, out, outOff);
  }

  /** Backward of {@link #dropout}: {@code dx += keep·dout/(1-p)} with the same mask. */
  public static void dropoutBackward(
      int n, double p, long seed, float[] dout, int doutOff, float[] dx, int dxOff) {
    Dropout32.dropoutBackward(n, p, seed, dout, doutOff, dx, dxOff);
  }

  // ------------------------------------------------------------------------------------- layout

  /**
   * Slice, select and concatenate in one: for {@code o < outer, a < len, i < inner},
   * {@code dst[dstOff + ((o·dstAxis) + dstStart + a)·inner + i] (= or +=)
   * src[srcOff + ((o·srcAxis) + srcStart + a)·inner + i]}.
   */
  public static void copyAxis(
      int outer,
      int len,
      int inner,
      float[] src,
      int srcOff,
      int srcAxis,
      int srcStart,
      float[] dst,
      int dstOff,
      int dstAxis,
      int dstStart,
      boolean accumulate) {
    Indexing32.copyAxis(
        outer,
        len,
        inner,
        src,
        srcOff,
        srcAxis,
        srcStart,
        dst,
        dstOff,
        dstAxis,
        dstStart,
        accumulate);
  }

  // ----------------------------------------------------------------------------------------- loss

  /**
   * Cross entropy over the last dimension with PyTorch's label smoothing:
   * {@code loss_r = (1-ε)(lse - z[t]) + ε(lse - mean_j z[j])}. Returns the sum over rows whose target is
   * not {@code ignoreIndex}, stores {@code lse[r] = logsumexp(logits[r,:])} for every row, and throws for
   * a target outside {@code [0, V)} that is not the ignore index.
   */
  public static double crossEntropy(
      int rows,
      int V,
      float[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      float[] lse,
      int lseOff) {
    return Rows32.crossEntropy(
        rows, V, logits, lOff, targets, tOff, ignoreIndex, smoothing, lse, lseOff);
  }

  /** The number of rows whose target is not {@code ignoreIndex} (the usual loss denominator). */
  public static int countValid(int rows, int[] targets, int tOff, int ignoreIndex) {
    return Shared.countValid(rows, targets, tOff, ignoreIndex);
  }

  /**
   * {@code dlogits[r,j] += gradScale·(softmax_j − (1−ε)[j==t] − ε/V)} for rows with a valid target, the
   * softmax recomputed from the logits and the saved {@code lse}.
   */
  public static void crossEntropyBackward(
      int rows,
      int V,
      float[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      float[] lse,
      int lseOff,
      double gradScale,
      float[] dlogits,
      int dOff) {
    Rows32.crossEntropyBackward(
        rows,
        V,
        logits,
        lOff,
        targets,
        tOff,
        ignoreIndex,
        smoothing,
        lse,
        lseOff,
        gradScale,
        dlogits,
        dOff);
  }

  /** {@code Σ x}, accumulated in double, independent of the thread count. */
  public static double sum(int n, float[] x, int xOff) {
    return Pointwise32.sum(n, x, xOff);
  }

  /** {@code Σ x²}, accumulated in double, independent of the thread count. */
  public static double sumSquares(int n, float[] x, int xOff) {
    return Pointwise32.sumSquares(n, x, xOff);
  }

  // ------------------------------------------------------------------------------------ attention

  /**
   * Fused multi-head attention with an online softmax and no {@code Tq×Tk} buffer.
   *
   * <p>Layouts: {@code q[b,t,h,:]} at {@code qOff + (b·Tq + t)·qStride + h·dh}; {@code k}, {@code v}
   * likewise with {@code Tk} and their strides; {@code out[b,t,h,:]} at
   * {@code outOff + (b·Tq + t)·(H·dh) + h·dh}; {@code lse[b,h,t]} at {@code lseOff + (b·H + h)·Tq + t}
   * receives {@code log Σ_visible exp(scale·q·k)}. Only keys in {@code [mask.lo(t,Tk), mask.hi(t,Tk))}
   * are visited, the predicate is consulted only when the mask is not exact, and with {@code lengths}
   * key {@code s} is visible to batch item {@code b} only if {@code s < lengths[b]}; a null mask is
   * {@code full}. With {@code dropoutP > 0} probability {@code (b,h,t,s)} is kept iff
   * {@code Rng.uniform(seed, ((b·H + h)·Tq + t)·Tk + s) >= p} and scaled by {@code 1/(1-p)}. A query
   * with no visible key gets {@code out = 0}, {@code lse = -∞}.
   */
  public static void attention(
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
    Attention32.forward(
        B, Tq, Tk, H, dh, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, lse,
        lseOff, scale, mask, lengths, dropoutP, seed);
  }

  /**
   * Backward of {@link #attention} (FlashAttention-2 style: probabilities recomputed from q, k and the
   * saved lse, {@code D_t = Σ dout·out}); adds into {@code dq}, {@code dk}, {@code dv}, which have the
   * layouts of q, k, v with their own strides. {@code dout} has the layout of {@code out}.
   */
  public static void attentionBackward(
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
    Attention32.backward(
        B, Tq, Tk, H, dh, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, dout,
        doutOff, lse, lseOff, dq, dqOff, dqStride, dk, dkOff, dkStride, dv, dvOff, dvStride, scale,
        mask, lengths, dropoutP, seed);
  }

  // ------------------------------------------------------------------------------------ optimiser

  /**
   * One AdamW step with decoupled weight decay and bias correction ({@code step >= 1}):
   * {@code m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
   * p -= lr·((m/(1-b1^step)) / (sqrt(v/(1-b2^step)) + eps) + wd·p)}.
   */
  public static void adamw(
      int n,
      float[] p,
      int pOff,
      float[] g,
      int gOff,
      float[] m,
      int mOff,
      float[] v,
      int vOff,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      int step) {
    Pointwise32.adamw(
        n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, step);
  }
}
