package dev.kiln.runtime.cpu;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.mask.Mask;

/**
 * The double-precision reference kernels: the same operations and signatures as {@link Kernels32}, on
 * {@code double[]}, written as plain single-threaded loops so that they are obviously right.
 *
 * <p>They exist for gradient checks of whole generated models and as the oracle the fast float kernels
 * are tested against, so every intermediate is a double and nothing is approximated. Conventions:
 * row-major flat arrays plus offsets; {@code *Backward} kernels add into their gradient outputs; forward
 * kernels overwrite their outputs unless an {@code accumulate} flag says otherwise.
 */
public final class Kernels64 {
  private Kernels64() {}

  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  private static final double GELU_TANH_C = Math.sqrt(2 / Math.PI);
  private static final double GELU_TANH_K = 0.044715;

  // ---------------------------------------------------------------------------------------- matmul

  /** {@code C[M,N] (=, or += when accumulate) op(A)[M,K] · op(B)[K,N]}. */
  public static void gemm(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      double[] a,
      int aOff,
      int lda,
      double[] b,
      int bOff,
      int ldb,
      double[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < K; k++) {
          double aik = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
          double bkj = transB ? b[bOff + j * ldb + k] : b[bOff + k * ldb + j];
          s += aik * bkj;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = accumulate ? c[ci] + s : s;
      }
    }
  }

  /** A batch of independent {@link #gemm}s; item {@code i} starts at {@code xOff + i·strideX}. */
  public static void gemmBatched(
      int batch,
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      double[] a,
      int aOff,
      int strideA,
      int lda,
      double[] b,
      int bOff,
      int strideB,
      int ldb,
      double[] c,
      int cOff,
      int strideC,
      int ldc,
      boolean accumulate) {
    for (int i = 0; i < batch; i++) {
      gemm(
          transA,
          transB,
          M,
          N,
          K,
          a,
          aOff + i * strideA,
          lda,
          b,
          bOff + i * strideB,
          ldb,
          c,
          cOff + i * strideC,
          ldc,
          accumulate);
    }
  }

  /** {@code c[r,j] += bias[j]}. */
  /**
   * {@link Kernels32#linear} in double: {@link #gemm}, {@link #addBias} (unless {@code bias} is null)
   * and the activation in turn.
   */
  public static void linear(
      boolean transB,
      int M,
      int N,
      int K,
      double[] x,
      int xOff,
      int ldx,
      double[] w,
      int wOff,
      int ldw,
      double[] bias,
      int biasOff,
      double[] c,
      int cOff,
      Activation act,
      double[] out,
      int outOff) {
    gemm(false, transB, M, N, K, x, xOff, ldx, w, wOff, ldw, c, cOff, N, false);
    if (bias != null) {
      addBias(M, N, c, cOff, bias, biasOff);
    }
    switch (act) {
      case NONE -> {}
      case RELU -> relu(M * N, c, cOff, out, outOff);
      case GELU -> gelu(M * N, c, cOff, out, outOff);
      case GELU_TANH -> geluTanh(M * N, c, cOff, out, outOff);
    }
  }

  public static void addBias(int rows, int n, double[] c, int cOff, double[] bias, int biasOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) {
        c[cOff + r * n + j] += bias[biasOff + j];
      }
    }
  }

  /** {@code dbias[j] += Σ_r dy[r,j]}. */
  public static void biasBackward(
      int rows, int n, double[] dy, int dyOff, double[] dbias, int dbOff) {
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int r = 0; r < rows; r++) {
        s += dy[dyOff + r * n + j];
      }
      dbias[dbOff + j] += s;
    }
  }

  // ------------------------------------------------------------------------------------ embeddings

  /** {@code out[i,:] = table[ids[i],:]}; throws for an id outside {@code [0, vocab)}. */
  public static void embedding(
      int n,
      int[] ids,
      int idsOff,
      double[] table,
      int tOff,
      int vocab,
      int dim,
      double[] out,
      int outOff) {
    Shared.checkIds(n, ids, idsOff, vocab);
    for (int i = 0; i < n; i++) {
      int row = ids[idsOff + i];
      for (int j = 0; j < dim; j++) {
        out[outOff + i * dim + j] = table[tOff + row * dim + j];
      }
    }
  }

  /** {@code dtable[ids[i],:] += dout[i,:]}. */
  public static void embeddingBackward(
      int n,
      int[] ids,
      int idsOff,
      double[] dout,
      int doutOff,
      double[] dtable,
      int dtOff,
      int vocab,
      int dim) {
    Shared.checkIds(n, ids, idsOff, vocab);
    for (int i = 0; i < n; i++) {
      int row = ids[idsOff + i];
      for (int j = 0; j < dim; j++) {
        dtable[dtOff + row * dim + j] += dout[doutOff + i * dim + j];
      }
    }
  }

  /** {@code out[i] = i} (position ids). */
  public static void iota(int n, int[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = i;
    }
  }

  /** Sinusoidal position encodings {@code PE(pos,2i) = sin(pos/10000^(2i/dim))}, cos for 2i+1. */
  public static void sinusoidal(int T, int dim, double[] out, int outOff) {
    for (int pos = 0; pos < T; pos++) {
      for (int j = 0; j < dim; j++) {
        out[outOff + pos * dim + j] = Shared.sinusoid(pos, j, dim);
      }
    }
  }

  // ------------------------------------------------------------------------------------ pointwise

  /** {@code out[i] = a[i] + b[i % bn]}. */
  public static void add(
      int n, double[] a, int aOff, double[] b, int bOff, int bn, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = a[aOff + i] + b[bOff + i % bn];
    }
  }

  /** {@code out[i] = a[i] - b[i % bn]}. */
  public static void sub(
      int n, double[] a, int aOff, double[] b, int bOff, int bn, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = a[aOff + i] - b[bOff + i % bn];
    }
  }

  /** {@code out[i] = a[i] * b[i % bn]}. */
  public static void mul(
      int n, double[] a, int aOff, double[] b, int bOff, int bn, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = a[aOff + i] * b[bOff + i % bn];
    }
  }

  /** {@code out = s·x}. */
  public static void scale(int n, double[] x, int xOff, double s, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = s * x[xOff + i];
    }
  }

  /** {@code x[:] = value}. */
  public static void fill(int n, double[] x, int xOff, double value) {
    for (int i = 0; i < n; i++) {
      x[xOff + i] = value;
    }
  }

  /** {@code y += alpha·x}. */
  public static void accumulate(int n, double alpha, double[] x, int xOff, double[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** The sinusoidal table's rows {@code start .. start+T-1} (positions of new tokens when decoding with a cache). */
  public static void sinusoidalFrom(int start, int T, int dim, double[] out, int outOff) {
    for (int pos = 0; pos < T; pos++) {
      for (int i = 0; i < dim; i++) {
        out[outOff + pos * dim + i] = Shared.sinusoid(start + pos, i, dim);
      }
    }
  }

  /** {@code y[i] += s} for every i: the backward of a mean. */
  public static void accumulateScalar(int n, double s, double[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += s;
    }
  }

  /** {@code db[j] += alpha·Σ_{i % bn == j} dout[i]}: the backward of a broadcast. */
  public static void reduceBroadcast(
      int n, int bn, double alpha, double[] dout, int doutOff, double[] db, int dbOff) {
    for (int j = 0; j < bn; j++) {
      double s = 0;
      for (int i = j; i < n; i += bn) {
        s += dout[doutOff + i];
      }
      db[dbOff + j] += alpha * s;
    }
  }

  /** {@code da[i] += dout[i]·b[i % bn]; db[i % bn] += dout[i]·a[i]}; a null gradient is skipped. */
  public static void mulBackward(
      int n,
      int bn,
      double[] dout,
      int doutOff,
      double[] a,
      int aOff,
      double[] b,
      int bOff,
      double[] da,
      int daOff,
      double[] db,
      int dbOff) {
    for (int i = 0; i < n; i++) {
      double g = dout[doutOff + i];
      if (da != null) {
        da[daOff + i] += g * b[bOff + i % bn];
      }
      if (db != null) {
        db[dbOff + i % bn] += g * a[aOff + i];
      }
    }
  }

  // ---------------------------------------------------------------------------------- activations

  /** {@code out = max(x, 0)}. */
  public static void relu(int n, double[] x, int xOff, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = Math.max(x[xOff + i], 0);
    }
  }

  /** {@code dx += x > 0 ? dout : 0}. */
  public static void reluBackward(
      int n, double[] x, int xOff, double[] dout, int doutOff, double[] dx, int dxOff) {
    for (int i = 0; i < n; i++) {
      if (x[xOff + i] > 0) {
        dx[dxOff + i] += dout[doutOff + i];
      }
    }
  }

  /** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))}. */
  public static void gelu(int n, double[] x, int xOff, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      out[outOff + i] = 0.5 * v * Erf.erfc(-v * SQRT_HALF);
    }
  }

  /** Backward of {@link #gelu}: {@code dx += dout·(Φ(x) + x·φ(x))}. */
  public static void geluBackward(
      int n, double[] x, int xOff, double[] dout, int doutOff, double[] dx, int dxOff) {
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      double cdf = 0.5 * Erf.erfc(-v * SQRT_HALF);
      double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
      dx[dxOff + i] += dout[doutOff + i] * (cdf + v * pdf);
    }
  }

  /** Tanh-approximated GELU, {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. */
  public static void geluTanh(int n, double[] x, int xOff, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      out[outOff + i] = 0.5 * v * (1 + Math.tanh(GELU_TANH_C * (v + GELU_TANH_K * v * v * v)));
    }
  }

  /** Backward of {@link #geluTanh}. */
  public static void geluTanhBackward(
      int n, double[] x, int xOff, double[] dout, int doutOff, double[] dx, int dxOff) {
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      double t = Math.tanh(GELU_TANH_C * (v + GELU_TANH_K * v * v * v));
      double du = GELU_TANH_C * (1 + 3 * GELU_TANH_K * v * v);
      dx[dxOff + i] += dout[doutOff + i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
  }

  /** {@code out = tanh(x)}. */
  public static void tanh(int n, double[] x, int xOff, double[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = Math.tanh(x[xOff + i]);
    }
  }

  /** {@code dx += dout·(1 - y²)}, from the forward's output {@code y}. */
  public static void tanhBackward(
      int n, double[] y, int yOff, double[] dout, int doutOff, double[] dx, int dxOff) {
    for (int i = 0; i < n; i++) {
      double v = y[yOff + i];
      dx[dxOff + i] += dout[doutOff + i] * (1 - v * v);
    }
  }

  // ------------------------------------------------------------------------------------ row-wise

  /** Softmax over the last dimension of a {@code rows × dim} matrix. */
  public static void softmax(int rows, int dim, double[] x, int xOff, double[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < dim; j++) {
        m = Math.max(m, x[xOff + o + j]);
      }
      double s = 0;
      for (int j = 0; j < dim; j++) {
        double e = Math.exp(x[xOff + o + j] - m);
        out[outOff + o + j] = e;
        s += e;
      }
      for (int j = 0; j < dim; j++) {
        out[outOff + o + j] /= s;
      }
    }
  }

  /** {@code dx += y·(dout - Σ dout·y)} per row, from the forward's output {@code y}. */
  public static void softmaxBackward(
      int rows, int dim, double[] y, int yOff, double[] dout, int doutOff, double[] dx, int dxOff) {
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      double dot = 0;
      for (int j = 0; j < dim; j++) {
        dot += dout[doutOff + o + j] * y[yOff + o + j];
      }
      for (int j = 0; j < dim; j++) {
        dx[dxOff + o + j] += y[yOff + o + j] * (dout[doutOff + o + j] - dot);
      }
    }
  }

  /** {@link Kernels32#addLayerNorm} in double: {@link #add}, then {@link #layerNorm} of the sum. */
  public static void addLayerNorm(
      int rows,
      int dim,
      double[] x,
      int xOff,
      double[] y,
      int yOff,
      double[] sum,
      int sumOff,
      double[] gamma,
      int gOff,
      double[] beta,
      int bOff,
      double eps,
      double[] out,
      int outOff,
      double[] mean,
      int meanOff,
      double[] rstd,
      int rstdOff) {
    add(rows * dim, x, xOff, y, yOff, rows * dim, sum, sumOff);
    layerNorm(
        rows, dim, sum, sumOff, gamma, gOff, beta, bOff, eps, out, outOff, mean, meanOff, rstd,
        rstdOff);
  }

  /**
   * Layer normalisation over the last dimension with biased variance; saves each row's mean and
   * {@code 1/sqrt(var + eps)}. A null {@code gamma} or {@code beta} means no scale or shift.
   */
  public static void layerNorm(
      int rows,
      int dim,
      double[] x,
      int xOff,
      double[] gamma,
      int gOff,
      double[] beta,
      int bOff,
      double eps,
      double[] out,
      int outOff,
      double[] mean,
      int meanOff,
      double[] rstd,
      int rstdOff) {
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      double s = 0;
      for (int j = 0; j < dim; j++) {
        s += x[xOff + o + j];
      }
      double mu = s / dim;
      double v = 0;
      for (int j = 0; j < dim; j++) {
        double d = x[xOff + o + j] - mu;
        v += d * d;
      }
      double rs = 1 / Math.sqrt(v / dim + eps);
      for (int j = 0; j < dim; j++) {
        double y = (x[xOff + o + j] - mu) * rs;
        if (gamma != null) {
          y *= gamma[gOff + j];
        }
        if (beta != null) {
          y += beta[bOff + j];
        }
        out[outOff + o + j] = y;
      }
      mean[meanOff + r] = mu;
      rstd[rstdOff + r] = rs;
    }
  }

  /** Backward of {@link #layerNorm}; a null {@code dx}, {@code dgamma} or {@code dbeta} is skipped. */
  public static void layerNormBackward(
      int rows,
      int dim,
      double[] dout,
      int doutOff,
      double[] x,
      int xOff,
      double[] gamma,
      int gOff,
      double[] mean,
      int meanOff,
      double[] rstd,
      int rstdOff,
      double[] dx,
      int dxOff,
      double[] dgamma,
      int dgOff,
      double[] dbeta,
      int dbOff) {
    for (int r = 0; r < rows; r++) {
      int o = r * dim;
      double mu = mean[meanOff + r];
      double rs = rstd[rstdOff + r];
      // dx = rs·(g - mean(g) - xhat·mean(g·xhat)) with g = dout·gamma, the gradient w.r.t. xhat.
      double sumG = 0;
      double sumGX = 0;
      for (int j = 0; j < dim; j++) {
        double xhat = (x[xOff + o + j] - mu) * rs;
        double d = dout[doutOff + o + j];
        double g = gamma == null ? d : d * gamma[gOff + j];
        sumG += g;
        sumGX += g * xhat;
        if (dgamma != null) {
          dgamma[dgOff + j] += d * xhat;
        }
        if (dbeta != null) {
          dbeta[dbOff + j] += d;
        }
      }
      double mG = sumG / dim;
      double mGX = sumGX / dim;
      if (dx != null) {
        for (int j = 0; j < dim; j++) {
          double xhat = (x[xOff + o + j] - mu) * rs;
          double d = dout[doutOff + o + j];
          double g = gamma == null ? d : d * gamma[gOff + j];
          dx[dxOff + o + j] += rs * (g - mG - xhat * mGX);
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------- dropout

  /** Inverted dropout: keeps element {@code i} iff {@code Rng.uniform(seed, i) >= p}, scaled by 1/(1-p). */
  public static void dropout(
      int n, double p, long seed, double[] x, int xOff, double[] out, int outOff) {
    Shared.checkP(p);
    double keepScale = Shared.keepScale(p);
    for (int i = 0; i < n; i++) {
      boolean keep = p == 0 || Rng.uniform(seed, i) >= p;
      out[outOff + i] = keep ? x[xOff + i] * keepScale : 0;
    }
  }

  /** Backward of {@link #dropout}: {@code dx += mask·dout/(1-p)}. */
  public static void dropoutBackward(
      int n, double p, long seed, double[] dout, int doutOff, double[] dx, int dxOff) {
    Shared.checkP(p);
    double keepScale = Shared.keepScale(p);
    for (int i = 0; i < n; i++) {
      if (p == 0 || Rng.uniform(seed, i) >= p) {
        dx[dxOff + i] += dout[doutOff + i] * keepScale;
      }
    }
  }

  // ------------------------------------------------------------------------------------- layout

  /**
   * Slice, select and concatenate along one axis: for {@code o < outer, a < len, i < inner},
   * {@code dst[((o·dstAxis) + dstStart + a)·inner + i] (= or +=) src[((o·srcAxis) + srcStart + a)·inner + i]}.
   */
  public static void copyAxis(
      int outer,
      int len,
      int inner,
      double[] src,
      int srcOff,
      int srcAxis,
      int srcStart,
      double[] dst,
      int dstOff,
      int dstAxis,
      int dstStart,
      boolean accumulate) {
    for (int o = 0; o < outer; o++) {
      for (int a = 0; a < len; a++) {
        int s = srcOff + (o * srcAxis + srcStart + a) * inner;
        int d = dstOff + (o * dstAxis + dstStart + a) * inner;
        for (int i = 0; i < inner; i++) {
          dst[d + i] = accumulate ? dst[d + i] + src[s + i] : src[s + i];
        }
      }
    }
  }

  // ----------------------------------------------------------------------------------------- loss

  /**
   * Cross entropy over the last dimension with PyTorch's label smoothing; returns the sum of the losses
   * of rows whose target is not {@code ignoreIndex} and stores every row's logsumexp in {@code lse}.
   */
  public static double crossEntropy(
      int rows,
      int V,
      double[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      double[] lse,
      int lseOff) {
    Shared.checkTargets(rows, V, targets, tOff, ignoreIndex);
    double total = 0;
    for (int r = 0; r < rows; r++) {
      int o = lOff + r * V;
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < V; j++) {
        m = Math.max(m, logits[o + j]);
      }
      double s = 0;
      double zSum = 0;
      for (int j = 0; j < V; j++) {
        s += Math.exp(logits[o + j] - m);
        zSum += logits[o + j];
      }
      double l = m + Math.log(s);
      lse[lseOff + r] = l;
      int t = targets[tOff + r];
      if (t != ignoreIndex) {
        total += (1 - smoothing) * (l - logits[o + t]) + smoothing * (l - zSum / V);
      }
    }
    return total;
  }

  /** The number of rows whose target is not {@code ignoreIndex} (the usual loss denominator). */
  public static int countValid(int rows, int[] targets, int tOff, int ignoreIndex) {
    return Shared.countValid(rows, targets, tOff, ignoreIndex);
  }

  /** {@code dlogits[r,j] += gradScale·(softmax_j − (1−ε)[j==t] − ε/V)} for rows with a valid target. */
  public static void crossEntropyBackward(
      int rows,
      int V,
      double[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      double[] lse,
      int lseOff,
      double gradScale,
      double[] dlogits,
      int dOff) {
    Shared.checkTargets(rows, V, targets, tOff, ignoreIndex);
    for (int r = 0; r < rows; r++) {
      int t = targets[tOff + r];
      if (t == ignoreIndex) {
        continue;
      }
      double l = lse[lseOff + r];
      for (int j = 0; j < V; j++) {
        double g =
            Math.exp(logits[lOff + r * V + j] - l) - smoothing / V - (j == t ? 1 - smoothing : 0);
        dlogits[dOff + r * V + j] += gradScale * g;
      }
    }
  }

  /** {@code Σ x}. */
  public static double sum(int n, double[] x, int xOff) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += x[xOff + i];
    }
    return s;
  }

  /** {@code Σ x²}. */
  public static double sumSquares(int n, double[] x, int xOff) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += x[xOff + i] * x[xOff + i];
    }
    return s;
  }

  // ------------------------------------------------------------------------------------ attention

  /** Fused multi-head attention; see {@link Kernels32#attention} for the layouts and semantics. */
  public static void attention(
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
    Attention64.forward(
        B, Tq, Tk, H, dh, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, lse,
        lseOff, scale, mask, lengths, dropoutP, seed);
  }

  /** Backward of {@link #attention}; adds into {@code dq}, {@code dk}, {@code dv}. */
  public static void attentionBackward(
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
    Attention64.backward(
        B, Tq, Tk, H, dh, q, qOff, qStride, k, kOff, kStride, v, vOff, vStride, out, outOff, dout,
        doutOff, lse, lseOff, dq, dqOff, dqStride, dk, dkOff, dkStride, dv, dvOff, dvStride, scale,
        mask, lengths, dropoutP, seed);
  }

  // ------------------------------------------------------------------------------------ optimiser

  /** One AdamW step with decoupled weight decay and bias correction ({@code step >= 1}). */
  public static void adamw(
      int n,
      double[] p,
      int pOff,
      double[] g,
      int gOff,
      double[] m,
      int mOff,
      double[] v,
      int vOff,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      int step) {
    Shared.checkStep(step);
    double c1 = 1 - Math.pow(beta1, step);
    double c2 = 1 - Math.pow(beta2, step);
    for (int i = 0; i < n; i++) {
      double gi = g[gOff + i];
      double mi = beta1 * m[mOff + i] + (1 - beta1) * gi;
      double vi = beta2 * v[vOff + i] + (1 - beta2) * gi * gi;
      m[mOff + i] = mi;
      v[vOff + i] = vi;
      double pi = p[pOff + i];
      p[pOff + i] = pi - lr * ((mi / c1) / (Math.sqrt(vi / c2) + eps) + weightDecay * pi);
    }
  }
}
