/* Kiln's device kernel library: the float kernels of dev.kiln.runtime.cpu.Kernels32, written once in
 * the portable subset of C that compiles both as OpenCL C 1.2 and as CUDA C++ (the backend prepends
 * prelude-opencl.h or prelude-cuda.h, which define KERNEL, GLOBAL, LOCAL_MEM, DEVICE_FN, BARRIER and
 * the work-item ids). DeviceKernels launches them; its Javadoc and Kernels32's give the semantics.
 *
 * Conventions. Buffers are whole arena or parameter buffers and every one travels with an int element
 * offset. Launch sizes are rounded up to whole work-groups, so every kernel checks its work-item id.
 * No kernel uses floating-point atomics: each output element is owned by one work item, and sums run
 * in a fixed order (loops in index order, work-group trees of a fixed shape), so results are
 * deterministic run to run. Scalars the CPU computes in double arrive as floats computed on the host.
 *
 * The text has two parts. The library (everything up to the attention section) is built once per
 * device. The attention kernels at the end are a template over the attention mask and the head size:
 * they are compiled only when the program defines KILN_DH and, through MaskSource, the functions
 * kiln_mask_lo, kiln_mask_hi, kiln_mask_visible and the constant kiln_mask_EXACT; such a program also
 * defines KILN_ATTENTION_ONLY to leave the library kernels out. */

/* Work-group sizes; DeviceKernels launches with the same numbers. */
#define KILN_GROUP 256 /* element-wise kernels and reductions */
#define KILN_ROW 128   /* row kernels: one work-group per row, a power of two for the tree sums */

DEVICE_FN int kiln_imin(int a, int b) { return a < b ? a : b; }

DEVICE_FN int kiln_imax(int a, int b) { return a > b ? a : b; }

/* SplitMix64's finaliser (Rng.mix) in unsigned 64-bit arithmetic, which wraps like Java's long. */
DEVICE_FN unsigned long kiln_mix(unsigned long z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
  return z ^ (z >> 31);
}

/* Whether dropout keeps element `index`: Rng.bits(seed, index) >>> 40 >= threshold, where
 * mixedSeed = Rng.mix(seed) and threshold = ceil(p * 2^24) come from the host (Dropout32). */
DEVICE_FN int kiln_keep(long mixedSeed, long index, long threshold) {
  unsigned long z =
      kiln_mix((unsigned long) mixedSeed + (unsigned long) index * 0x9E3779B97F4A7C15UL);
  return (long) (z >> 40) >= threshold;
}

/* Work-group reductions over `n` items (a power of two) through the local array `buf`: every item
 * gets the result. They are macros because CUDA cannot pass a __shared__ array to a function by its
 * memory space; the final barrier lets the caller reuse `buf` at once. */
#define KILN_GROUP_SUM(buf, n, lid, value, result)                                              \
  do {                                                                                         \
    buf[lid] = (value);                                                                        \
    BARRIER();                                                                                 \
    for (int kiln_half = (n) / 2; kiln_half > 0; kiln_half >>= 1) {                            \
      if ((lid) < kiln_half) buf[lid] += buf[(lid) + kiln_half];                               \
      BARRIER();                                                                               \
    }                                                                                          \
    result = buf[0];                                                                           \
    BARRIER();                                                                                 \
  } while (0)

#define KILN_GROUP_MAX(buf, n, lid, value, result)                                              \
  do {                                                                                         \
    buf[lid] = (value);                                                                        \
    BARRIER();                                                                                 \
    for (int kiln_half = (n) / 2; kiln_half > 0; kiln_half >>= 1) {                            \
      if ((lid) < kiln_half) buf[lid] = fmax(buf[lid], buf[(lid) + kiln_half]);                \
      BARRIER();                                                                               \
    }                                                                                          \
    result = buf[0];                                                                           \
    BARRIER();                                                                                 \
  } while (0)

/* The smallest `lo` and largest `hi` over the group (int ranges, for the attention kernels). */
#define KILN_GROUP_RANGE(loBuf, hiBuf, n, lid, lo, hi)                                          \
  do {                                                                                         \
    loBuf[lid] = (lo);                                                                         \
    hiBuf[lid] = (hi);                                                                         \
    BARRIER();                                                                                 \
    for (int kiln_half = (n) / 2; kiln_half > 0; kiln_half >>= 1) {                            \
      if ((lid) < kiln_half) {                                                                 \
        loBuf[lid] = kiln_imin(loBuf[lid], loBuf[(lid) + kiln_half]);                          \
        hiBuf[lid] = kiln_imax(hiBuf[lid], hiBuf[(lid) + kiln_half]);                          \
      }                                                                                        \
      BARRIER();                                                                               \
    }                                                                                          \
    lo = loBuf[0];                                                                             \
    hi = hiBuf[0];                                                                             \
    BARRIER();                                                                                 \
  } while (0)

#ifndef KILN_ATTENTION_ONLY

/* ------------------------------------------------------------------------------------------ gemm */

/* C (=, or += when accumulate) op(A)·op(B) for a batch of matrices (GROUP_ID(2) is the batch item).
 * A work-group of KILN_GEMM_W×KILN_GEMM_W items computes a KILN_GEMM_T×KILN_GEMM_T tile of C; item
 * (tx, ty) owns the KILN_GEMM_R×KILN_GEMM_R elements (ty + W·r, tx + W·c), so its stores coalesce.
 * K is walked in slices of KILN_GEMM_K staged in local memory (padded by one column so the transposed
 * stores do not collide on a bank). The transpose flags only change how a slice is loaded: each layout
 * is read along its contiguous dimension. */
#define KILN_GEMM_T 64
#define KILN_GEMM_W 16
#define KILN_GEMM_R 4
#define KILN_GEMM_K 16

KERNEL void kiln_gemm(int transA, int transB, int M, int N, int K, GLOBAL const float* a, int aOff,
    int strideA, int lda, GLOBAL const float* b, int bOff, int strideB, int ldb, GLOBAL float* c,
    int cOff, int strideC, int ldc, int accumulate) {
  LOCAL_MEM float as[KILN_GEMM_K][KILN_GEMM_T + 1]; /* as[p][i] = op(A)[row0 + i, p0 + p] */
  LOCAL_MEM float bs[KILN_GEMM_K][KILN_GEMM_T + 1]; /* bs[p][j] = op(B)[p0 + p, col0 + j] */
  int tx = LOCAL_ID(0);
  int ty = LOCAL_ID(1);
  int tid = ty * KILN_GEMM_W + tx;
  int col0 = GROUP_ID(0) * KILN_GEMM_T;
  int row0 = GROUP_ID(1) * KILN_GEMM_T;
  int item = GROUP_ID(2);
  int aBase = aOff + item * strideA;
  int bBase = bOff + item * strideB;
  int cBase = cOff + item * strideC;
  float acc[KILN_GEMM_R][KILN_GEMM_R];
  for (int r = 0; r < KILN_GEMM_R; r++) {
    for (int s = 0; s < KILN_GEMM_R; s++) acc[r][s] = 0.0f;
  }
  for (int p0 = 0; p0 < K; p0 += KILN_GEMM_K) {
    for (int e = tid; e < KILN_GEMM_K * KILN_GEMM_T; e += KILN_GEMM_W * KILN_GEMM_W) {
      /* A: stored M×K (contiguous along p) or, transposed, K×M (contiguous along i). */
      int i = transA ? e % KILN_GEMM_T : e / KILN_GEMM_K;
      int p = transA ? e / KILN_GEMM_T : e % KILN_GEMM_K;
      int gi = row0 + i;
      int gp = p0 + p;
      float va = 0.0f;
      if (gi < M && gp < K) va = transA ? a[aBase + gp * lda + gi] : a[aBase + gi * lda + gp];
      as[p][i] = va;
      /* B: stored K×N (contiguous along j) or, transposed, N×K (contiguous along p). */
      int j = transB ? e / KILN_GEMM_K : e % KILN_GEMM_T;
      p = transB ? e % KILN_GEMM_K : e / KILN_GEMM_T;
      int gj = col0 + j;
      gp = p0 + p;
      float vb = 0.0f;
      if (gj < N && gp < K) vb = transB ? b[bBase + gj * ldb + gp] : b[bBase + gp * ldb + gj];
      bs[p][j] = vb;
    }
    BARRIER();
    for (int p = 0; p < KILN_GEMM_K; p++) {
      float ar[KILN_GEMM_R];
      float br[KILN_GEMM_R];
      for (int r = 0; r < KILN_GEMM_R; r++) {
        ar[r] = as[p][ty + KILN_GEMM_W * r];
        br[r] = bs[p][tx + KILN_GEMM_W * r];
      }
      for (int r = 0; r < KILN_GEMM_R; r++) {
        for (int s = 0; s < KILN_GEMM_R; s++) acc[r][s] += ar[r] * br[s];
      }
    }
    BARRIER();
  }
  for (int r = 0; r < KILN_GEMM_R; r++) {
    int i = row0 + ty + KILN_GEMM_W * r;
    for (int s = 0; s < KILN_GEMM_R; s++) {
      int j = col0 + tx + KILN_GEMM_W * s;
      if (i < M && j < N) {
        int ci = cBase + i * ldc + j;
        c[ci] = accumulate ? c[ci] + acc[r][s] : acc[r][s];
      }
    }
  }
}

/* ------------------------------------------------------------------------------------- pointwise */

#define KILN_ADD 0
#define KILN_SUB 1
#define KILN_MUL 2

/* out[i] = a[i] op b[i % bn] (the CPU's broadcast: b repeats); out may alias a. */
KERNEL void kiln_binary(int op, int n, GLOBAL const float* a, int aOff, GLOBAL const float* b,
    int bOff, int bn, GLOBAL float* out, int outOff) {
  int i = GLOBAL_ID(0);
  if (i >= n) return;
  float x = a[aOff + i];
  float y = b[bOff + (bn == n ? i : i % bn)];
  out[outOff + i] = op == KILN_ADD ? x + y : op == KILN_SUB ? x - y : x * y;
}

KERNEL void kiln_scale(int n, GLOBAL const float* x, int xOff, float s, GLOBAL float* out,
    int outOff) {
  int i = GLOBAL_ID(0);
  if (i < n) out[outOff + i] = x[xOff + i] * s;
}

KERNEL void kiln_fill(int n, GLOBAL float* x, int xOff, float value) {
  int i = GLOBAL_ID(0);
  if (i < n) x[xOff + i] = value;
}

/* y += alpha·x */
KERNEL void kiln_axpy(int n, float alpha, GLOBAL const float* x, int xOff, GLOBAL float* y,
    int yOff) {
  int i = GLOBAL_ID(0);
  if (i < n) y[yOff + i] += alpha * x[xOff + i];
}

/* y[i] += s[sOff] / divisor: the backward of a mean, its upstream gradient still on the device. */
KERNEL void kiln_add_ratio(int n, GLOBAL const float* s, int sOff, float divisor, GLOBAL float* y,
    int yOff) {
  int i = GLOBAL_ID(0);
  if (i < n) y[yOff + i] += s[sOff] / divisor;
}

/* da[i] += dout[i]·b[i % bn]; with bn == n and b = a it is also db of an unbroadcast product. */
KERNEL void kiln_mul_backward(int n, int bn, GLOBAL const float* dout, int doutOff,
    GLOBAL const float* b, int bOff, GLOBAL float* da, int daOff) {
  int i = GLOBAL_ID(0);
  if (i < n) da[daOff + i] += dout[doutOff + i] * b[bOff + (bn == n ? i : i % bn)];
}

#define KILN_COLSUM_X 0       /* Σ_r x[r,j] */
#define KILN_COLSUM_XY 1      /* Σ_r x[r,j]·y[r,j] */
#define KILN_COLSUM_X_XHAT 2  /* Σ_r x[r,j]·(y[r,j] - mean[r])·rstd[r]: layer norm's dgamma */

/* Column sums of a rows × cols matrix, deterministic and without atomics. Work item (c, j) sums
 * rows [c·chunkRows, (c+1)·chunkRows) of column j in row order (in float, like the CPU's folds). With one chunk (direct) it adds
 * alpha·sum into out[j] itself; otherwise it stores the partial at out[outOff + c·cols + j] and
 * kiln_colsum_finish adds the partials up in chunk order. */
KERNEL void kiln_colsum(int rows, int cols, GLOBAL const float* x, int xOff, GLOBAL const float* y,
    int yOff, GLOBAL const float* mean, int meanOff, GLOBAL const float* rstd, int rstdOff, int mode,
    int chunkRows, int direct, float alpha, GLOBAL float* out, int outOff) {
  int gid = GLOBAL_ID(0);
  int chunks = (rows + chunkRows - 1) / chunkRows;
  if (gid >= chunks * cols) return;
  int j = gid % cols;
  int chunk = gid / cols;
  int end = kiln_imin(rows, (chunk + 1) * chunkRows);
  float s = 0.0f;
  for (int r = chunk * chunkRows; r < end; r++) {
    float v = x[xOff + r * cols + j];
    if (mode == KILN_COLSUM_XY) {
      v *= y[yOff + r * cols + j];
    } else if (mode == KILN_COLSUM_X_XHAT) {
      v *= (y[yOff + r * cols + j] - mean[meanOff + r]) * rstd[rstdOff + r];
    }
    s += v;
  }
  if (direct) {
    out[outOff + j] += alpha * s;
  } else {
    out[outOff + chunk * cols + j] = s;
  }
}

/* The chunk partials are added with a compensated (Kahan) sum, close to the CPU's double fold. */
KERNEL void kiln_colsum_finish(int chunks, int cols, GLOBAL const float* partial, int partialOff,
    float alpha, GLOBAL float* out, int outOff) {
  int j = GLOBAL_ID(0);
  if (j >= cols) return;
  float s = 0.0f;
  float comp = 0.0f;
  for (int c = 0; c < chunks; c++) {
    float term = partial[partialOff + c * cols + j] - comp;
    float t = s + term;
    comp = (t - s) - term;
    s = t;
  }
  out[outOff + j] += alpha * s;
}

/* Pass one of a deterministic sum over n elements (of x, or of x² when squares): each work item
 * walks a fixed stride of the input with a compensated (Kahan) float sum, each group stores its tree
 * sum at partial[partialOff + group]. */
KERNEL void kiln_reduce_partial(int n, GLOBAL const float* x, int xOff, int squares,
    GLOBAL float* partial, int partialOff) {
  LOCAL_MEM float red[KILN_GROUP];
  int lid = LOCAL_ID(0);
  long stride = (long) NUM_GROUPS(0) * KILN_GROUP;
  float s = 0.0f;
  float comp = 0.0f;
  for (long i = GLOBAL_ID(0); i < n; i += stride) {
    float v = x[xOff + i];
    float term = (squares ? v * v : v) - comp;
    float t = s + term;
    comp = (t - s) - term;
    s = t;
  }
  KILN_GROUP_SUM(red, KILN_GROUP, lid, s, s);
  if (lid == 0) partial[partialOff + GROUP_ID(0)] = s;
}

/* Pass two, one work-group: total = Σ partial; then out = total / divisor, or, when add,
 * out += alpha·total. */
KERNEL void kiln_reduce_final(int parts, GLOBAL const float* partial, int partialOff, float divisor,
    int add, float alpha, GLOBAL float* out, int outOff) {
  LOCAL_MEM float red[KILN_GROUP];
  int lid = LOCAL_ID(0);
  float s = 0.0f;
  for (int i = lid; i < parts; i += KILN_GROUP) s += partial[partialOff + i];
  KILN_GROUP_SUM(red, KILN_GROUP, lid, s, s);
  if (lid == 0) {
    if (add) {
      out[outOff] += alpha * s;
    } else {
      out[outOff] = s / divisor;
    }
  }
}

/* ------------------------------------------------------------------------------------ embeddings */

/* out[i, :] = table[ids[i], :]; ids were checked on the host. */
KERNEL void kiln_embedding(int n, int dim, GLOBAL const int* ids, int idsOff,
    GLOBAL const float* table, int tOff, GLOBAL float* out, int outOff) {
  int e = GLOBAL_ID(0);
  if (e >= n * dim) return;
  int i = e / dim;
  int j = e % dim;
  out[outOff + e] = table[tOff + ids[idsOff + i] * dim + j];
}

/* dtable[ids[i], j] += dout[i, j]: repeated ids add into the same row, so work item j owns column j
 * of the whole table and walks the positions in order (the CPU's order, so the sums are equal). */
KERNEL void kiln_embedding_backward(int n, int dim, GLOBAL const int* ids, int idsOff,
    GLOBAL const float* dout, int doutOff, GLOBAL float* dtable, int dtOff) {
  int j = GLOBAL_ID(0);
  if (j >= dim) return;
  for (int i = 0; i < n; i++) {
    dtable[dtOff + ids[idsOff + i] * dim + j] += dout[doutOff + i * dim + j];
  }
}

/* dst[((o·dstAxis) + dstStart + a)·inner + i] (= or +=) src[((o·srcAxis) + srcStart + a)·inner + i]
 * for o < outer, a < len, i < inner. */
KERNEL void kiln_copy_axis(int outer, int len, int inner, GLOBAL const float* src, int srcOff,
    int srcAxis, int srcStart, GLOBAL float* dst, int dstOff, int dstAxis, int dstStart,
    int accumulate) {
  int e = GLOBAL_ID(0);
  if (e >= outer * len * inner) return;
  int i = e % inner;
  int row = e / inner;
  int o = row / len;
  int a = row % len;
  float v = src[srcOff + (o * srcAxis + srcStart + a) * inner + i];
  int d = dstOff + (o * dstAxis + dstStart + a) * inner + i;
  dst[d] = accumulate ? dst[d] + v : v;
}

/* ----------------------------------------------------------------------------------- activations */

#define KILN_RELU 0
#define KILN_GELU 1
#define KILN_GELU_TANH 2
#define KILN_TANH 3

#define KILN_SQRT_HALF 0.70710678118654752f
#define KILN_INV_SQRT_2PI 0.39894228040143268f
#define KILN_GELU_TANH_C 0.79788456080286536f /* sqrt(2/pi) */
#define KILN_GELU_TANH_K 0.044715f

/* Φ(x) = erfc(-x/√2)/2, which stays accurate in the negative tail where 1 + erf(x/√2) cancels. */
DEVICE_FN float kiln_normal_cdf(float x) { return 0.5f * erfc(-x * KILN_SQRT_HALF); }

KERNEL void kiln_activation(int fn, int n, GLOBAL const float* x, int xOff, GLOBAL float* out,
    int outOff) {
  int i = GLOBAL_ID(0);
  if (i >= n) return;
  float v = x[xOff + i];
  float y;
  if (fn == KILN_RELU) {
    y = fmax(v, 0.0f);
  } else if (fn == KILN_GELU) {
    y = v * kiln_normal_cdf(v);
  } else if (fn == KILN_GELU_TANH) {
    /* 0.5·x·(1 + tanh(u)) = x·σ(2u): no cancellation where tanh(u) is near -1 */
    float u = KILN_GELU_TANH_C * v * (1.0f + KILN_GELU_TANH_K * v * v);
    y = v / (1.0f + exp(-2.0f * u));
  } else {
    y = tanh(v);
  }
  out[outOff + i] = y;
}

/* dx += f'(x)·dout; for tanh, `x` is the forward's output y and f' = 1 - y². */
KERNEL void kiln_activation_backward(int fn, int n, GLOBAL const float* x, int xOff,
    GLOBAL const float* dout, int doutOff, GLOBAL float* dx, int dxOff) {
  int i = GLOBAL_ID(0);
  if (i >= n) return;
  float v = x[xOff + i];
  float g;
  if (fn == KILN_RELU) {
    g = v > 0.0f ? 1.0f : 0.0f;
  } else if (fn == KILN_GELU) {
    g = kiln_normal_cdf(v) + v * KILN_INV_SQRT_2PI * exp(-0.5f * v * v);
  } else if (fn == KILN_GELU_TANH) {
    /* 0.5·(1 + t) + 0.5·x·(1 - t²)·du with t = tanh(u), written through σ(2u) and σ(-2u) (each
     * from its own exp) because 1 ± t and 1 - t² cancel where |t| rounds near 1 */
    float v2 = v * v;
    float u = KILN_GELU_TANH_C * v * (1.0f + KILN_GELU_TANH_K * v2);
    float du = KILN_GELU_TANH_C * (1.0f + 3.0f * KILN_GELU_TANH_K * v2);
    float sp = 1.0f / (1.0f + exp(-2.0f * u));
    float sm = 1.0f / (1.0f + exp(2.0f * u));
    g = sp + 2.0f * v * du * sp * sm;
  } else {
    g = 1.0f - v * v;
  }
  if (fn != KILN_RELU || v > 0.0f) dx[dxOff + i] += g * dout[doutOff + i];
}

/* --------------------------------------------------------------------------------------- dropout */

/* out[i] = keep(i) ? x[i]·keepScale : 0 (i counts from 0 at xOff, as on the CPU). */
KERNEL void kiln_dropout(int n, long mixedSeed, long threshold, float keepScale,
    GLOBAL const float* x, int xOff, GLOBAL float* out, int outOff) {
  int i = GLOBAL_ID(0);
  if (i >= n) return;
  out[outOff + i] = kiln_keep(mixedSeed, i, threshold) ? x[xOff + i] * keepScale : 0.0f;
}

KERNEL void kiln_dropout_backward(int n, long mixedSeed, long threshold, float keepScale,
    GLOBAL const float* dout, int doutOff, GLOBAL float* dx, int dxOff) {
  int i = GLOBAL_ID(0);
  if (i < n && kiln_keep(mixedSeed, i, threshold)) dx[dxOff + i] += dout[doutOff + i] * keepScale;
}

/* ------------------------------------------------------------------------------------------ rows */

/* One work-group per row. A group past the last row works on n = 0 elements rather than returning:
 * PoCL miscompiles a return ahead of a barrier even when the whole group takes it. */

KERNEL void kiln_softmax(int rows, int dim, GLOBAL const float* x, int xOff, GLOBAL float* out,
    int outOff) {
  LOCAL_MEM float red[KILN_ROW];
  int r = GROUP_ID(0);
  int lid = LOCAL_ID(0);
  int n = r < rows ? dim : 0;
  int xi = xOff + r * dim;
  int oi = outOff + r * dim;
  float m = -INFINITY_F;
  for (int j = lid; j < n; j += KILN_ROW) m = fmax(m, x[xi + j]);
  KILN_GROUP_MAX(red, KILN_ROW, lid, m, m);
  float s = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) {
    float e = exp(x[xi + j] - m);
    out[oi + j] = e;
    s += e;
  }
  KILN_GROUP_SUM(red, KILN_ROW, lid, s, s);
  float inv = 1.0f / s;
  for (int j = lid; j < n; j += KILN_ROW) out[oi + j] *= inv;
}

/* dx += y·(dout - Σ dout·y) per row. */
KERNEL void kiln_softmax_backward(int rows, int dim, GLOBAL const float* y, int yOff,
    GLOBAL const float* dout, int doutOff, GLOBAL float* dx, int dxOff) {
  LOCAL_MEM float red[KILN_ROW];
  int r = GROUP_ID(0);
  int lid = LOCAL_ID(0);
  int n = r < rows ? dim : 0;
  int yi = yOff + r * dim;
  int di = doutOff + r * dim;
  int o = dxOff + r * dim;
  float s = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) s += dout[di + j] * y[yi + j];
  KILN_GROUP_SUM(red, KILN_ROW, lid, s, s);
  for (int j = lid; j < n; j += KILN_ROW) dx[o + j] += y[yi + j] * (dout[di + j] - s);
}

/* Layer norm of one row per work-group, biased variance, saving mean and 1/sqrt(var + eps). */
KERNEL void kiln_layer_norm(int rows, int dim, GLOBAL const float* x, int xOff,
    GLOBAL const float* gamma, int gOff, int hasGamma, GLOBAL const float* beta, int bOff,
    int hasBeta, float eps, GLOBAL float* out, int outOff, GLOBAL float* mean, int meanOff,
    GLOBAL float* rstd, int rstdOff) {
  LOCAL_MEM float red[KILN_ROW];
  int r = GROUP_ID(0);
  int lid = LOCAL_ID(0);
  int n = r < rows ? dim : 0;
  int xi = xOff + r * dim;
  int oi = outOff + r * dim;
  float s = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) s += x[xi + j];
  KILN_GROUP_SUM(red, KILN_ROW, lid, s, s);
  float mu = s / (float) dim;
  float q = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) {
    float d = x[xi + j] - mu;
    q += d * d;
  }
  KILN_GROUP_SUM(red, KILN_ROW, lid, q, q);
  float rs = 1.0f / sqrt(q / (float) dim + eps);
  if (lid == 0 && r < rows) {
    mean[meanOff + r] = mu;
    rstd[rstdOff + r] = rs;
  }
  for (int j = lid; j < n; j += KILN_ROW) {
    float g = hasGamma ? gamma[gOff + j] : 1.0f;
    float be = hasBeta ? beta[bOff + j] : 0.0f;
    out[oi + j] = (x[xi + j] - mu) * rs * g + be;
  }
}

/* dx += rstd·(g - mean(g) - xhat·mean(g·xhat)) per row, g = dout·gamma the gradient of xhat. */
KERNEL void kiln_layer_norm_backward(int rows, int dim, GLOBAL const float* dout, int doutOff,
    GLOBAL const float* x, int xOff, GLOBAL const float* gamma, int gOff, int hasGamma,
    GLOBAL const float* mean, int meanOff, GLOBAL const float* rstd, int rstdOff, GLOBAL float* dx,
    int dxOff) {
  LOCAL_MEM float red[KILN_ROW];
  int r = GROUP_ID(0);
  int lid = LOCAL_ID(0);
  int n = r < rows ? dim : 0;
  int xi = xOff + r * dim;
  int di = doutOff + r * dim;
  float mu = r < rows ? mean[meanOff + r] : 0.0f;
  float rs = r < rows ? rstd[rstdOff + r] : 0.0f;
  float sg = 0.0f;
  float sgx = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) {
    float g = dout[di + j] * (hasGamma ? gamma[gOff + j] : 1.0f);
    sg += g;
    sgx += g * ((x[xi + j] - mu) * rs);
  }
  KILN_GROUP_SUM(red, KILN_ROW, lid, sg, sg);
  KILN_GROUP_SUM(red, KILN_ROW, lid, sgx, sgx);
  float mg = sg / (float) dim;
  float mgx = sgx / (float) dim;
  int o = dxOff + r * dim;
  for (int j = lid; j < n; j += KILN_ROW) {
    float g = dout[di + j] * (hasGamma ? gamma[gOff + j] : 1.0f);
    float xhat = (x[xi + j] - mu) * rs;
    dx[o + j] += rs * (g - mg - xhat * mgx);
  }
}

/* ------------------------------------------------------------------------------------------ loss */

/* One row per work-group: lse[r] = logsumexp(z) and loss[lossOff + r] = the row's label-smoothed
 * cross entropy (0 for an ignored row), summed afterwards by the reduce kernels. */
KERNEL void kiln_cross_entropy(int rows, int V, GLOBAL const float* logits, int lOff,
    GLOBAL const int* targets, int tOff, int ignoreIndex, float smoothing, GLOBAL float* lse,
    int lseOff, GLOBAL float* loss, int lossOff) {
  LOCAL_MEM float red[KILN_ROW];
  int r = GROUP_ID(0);
  int lid = LOCAL_ID(0);
  int n = r < rows ? V : 0;
  int li = lOff + r * V;
  float m = -INFINITY_F;
  for (int j = lid; j < n; j += KILN_ROW) m = fmax(m, logits[li + j]);
  KILN_GROUP_MAX(red, KILN_ROW, lid, m, m);
  float s = 0.0f;
  float z = 0.0f;
  for (int j = lid; j < n; j += KILN_ROW) {
    s += exp(logits[li + j] - m);
    z += logits[li + j];
  }
  KILN_GROUP_SUM(red, KILN_ROW, lid, s, s);
  KILN_GROUP_SUM(red, KILN_ROW, lid, z, z);
  if (lid == 0 && r < rows) {
    float l = m + log(s);
    lse[lseOff + r] = l;
    int t = targets[tOff + r];
    float value = 0.0f;
    if (t != ignoreIndex) {
      float nll = l - logits[li + t];
      value = smoothing == 0.0f
          ? nll
          : (1.0f - smoothing) * nll + smoothing * (l - z / (float) V);
    }
    loss[lossOff + r] = value;
  }
}

/* dlogits[r, j] += gs·(softmax_j - smoothing/V), and -= gs·(1 - smoothing) at the target, with
 * gs = divisor == 0 ? 0 : dy[dyOff] / divisor read here (the loss gradient never leaves the device). */
KERNEL void kiln_cross_entropy_backward(int rows, int V, GLOBAL const float* logits, int lOff,
    GLOBAL const int* targets, int tOff, int ignoreIndex, float uniform, float onTarget,
    GLOBAL const float* lse, int lseOff, GLOBAL const float* dy, int dyOff, float divisor,
    GLOBAL float* dlogits, int dOff) {
  int e = GLOBAL_ID(0);
  if (e >= rows * V) return;
  int r = e / V;
  int j = e % V;
  int t = targets[tOff + r];
  if (t == ignoreIndex) return;
  float gs = divisor == 0.0f ? 0.0f : dy[dyOff] / divisor;
  float d = dlogits[dOff + e] + gs * (exp(logits[lOff + e] - lse[lseOff + r]) - uniform);
  if (j == t) d -= gs * onTarget;
  dlogits[dOff + e] = d;
}

/* ------------------------------------------------------------------------------------- optimiser */

/* AdamW with the bias corrections folded into ic1 = 1/(1 - beta1^step), ic2 = 1/(1 - beta2^step). */
KERNEL void kiln_adamw(int n, GLOBAL float* p, int pOff, GLOBAL const float* g, int gOff,
    GLOBAL float* m, int mOff, GLOBAL float* v, int vOff, float lr, float b1, float b2, float ob1,
    float ob2, float ic1, float ic2, float eps, float wd) {
  int i = GLOBAL_ID(0);
  if (i >= n) return;
  float gi = g[gOff + i];
  float mi = b1 * m[mOff + i] + ob1 * gi;
  float vi = b2 * v[vOff + i] + ob2 * gi * gi;
  m[mOff + i] = mi;
  v[vOff + i] = vi;
  float pi = p[pOff + i];
  p[pOff + i] = pi - lr * (mi * ic1 / (sqrt(vi * ic2) + eps) + wd * pi);
}

#endif /* KILN_ATTENTION_ONLY */

/* ------------------------------------------------------------------------------------- attention */

#ifdef KILN_DH

/* Fused multi-head attention (Attention32's semantics), one program per mask and head size KILN_DH.
 * Forward and dq: a work-group of KILN_AQ consecutive queries of one (batch, head), one query per work
 * item holding its q row and output accumulator in registers; the keys in the union of the group's
 * visible ranges are staged KILN_AT at a time in local memory and each item visits only those inside
 * its own [lo, hi), with the online softmax (one rescale per tile). dk and dv: a work-group of KILN_AQ
 * consecutive keys, one key per item, looping over the queries that can see it, staged likewise. No
 * Tq×Tk buffer, no atomics. */
#define KILN_AQ 64
#define KILN_AT_RAW (2048 / KILN_DH)
#define KILN_AT (KILN_AT_RAW > 32 ? 32 : KILN_AT_RAW < 1 ? 1 : KILN_AT_RAW)

/* The mask functions are called with query t + shift: a mask shifted to start at a position
 * (Masks.shift, the new tokens of incremental decoding) shares the program of the unshifted mask. */

/* First key query t may see (Shared.keyLo). */
DEVICE_FN int kiln_key_lo(int t, int shift, int tk) {
  return kiln_imax(0, kiln_mask_lo(t + shift, tk));
}

/* One past the last key query t of batch item b may see, padding included (Shared.keyHi). */
DEVICE_FN int kiln_key_hi(
    int t, int shift, int tk, GLOBAL const int* lengths, int hasLengths, int b) {
  int hi = kiln_imin(tk, kiln_mask_hi(t + shift, tk));
  return hasLengths ? kiln_imin(hi, lengths[b]) : hi;
}

/* The predicate, folded away for exact masks. */
DEVICE_FN int kiln_sees(int t, int shift, int s) {
  return kiln_mask_EXACT || kiln_mask_visible(t + shift, s);
}

/* The dropout counter of probability (b, h, t, s) (Shared.attentionDropoutIndex). */
DEVICE_FN long kiln_attention_index(int b, int h, int t, int s, int H, int tq, int tk) {
  return (((long) b * H + h) * tq + t) * (long) tk + s;
}

/* q, k, v rows of (b, t, h) start at off + (b·T + t)·stride + h·KILN_DH; out and dout rows at
 * off + (b·Tq + t)·H·KILN_DH + h·KILN_DH; lse[b, h, t] at lseOff + (b·H + h)·Tq + t.
 * Launch: global (ceil(Tq / KILN_AQ)·KILN_AQ, B·H), local (KILN_AQ, 1). */
KERNEL void kiln_attention_forward(int Tq, int Tk, int H, GLOBAL const float* q, int qOff,
    int qStride, GLOBAL const float* k, int kOff, int kStride, GLOBAL const float* v, int vOff,
    int vStride, GLOBAL float* out, int outOff, GLOBAL float* lse, int lseOff, float scale,
    int maskShift, GLOBAL const int* lengths, int hasLengths, int dropout, long mixedSeed,
    long threshold, float keepScale) {
  LOCAL_MEM float kt[KILN_AT * KILN_DH];
  LOCAL_MEM float vt[KILN_AT * KILN_DH];
  LOCAL_MEM int rangeLo[KILN_AQ];
  LOCAL_MEM int rangeHi[KILN_AQ];
  int lid = LOCAL_ID(0);
  int t = GROUP_ID(0) * KILN_AQ + lid;
  int b = GROUP_ID(1) / H;
  int h = GROUP_ID(1) % H;
  int live = t < Tq;
  int lo = live ? kiln_key_lo(t, maskShift, Tk) : 0;
  int hi = live ? kiln_key_hi(t, maskShift, Tk, lengths, hasLengths, b) : 0;
  int gLo = lo < hi ? lo : Tk;
  int gHi = lo < hi ? hi : 0;
  KILN_GROUP_RANGE(rangeLo, rangeHi, KILN_AQ, lid, gLo, gHi);
  float qr[KILN_DH];
  float o[KILN_DH];
  int qi = qOff + (b * Tq + t) * qStride + h * KILN_DH;
  for (int d = 0; d < KILN_DH; d++) {
    qr[d] = live ? q[qi + d] : 0.0f;
    o[d] = 0.0f;
  }
  float m = -INFINITY_F;
  float l = 0.0f;
  long dropBase = kiln_attention_index(b, h, t, 0, H, Tq, Tk);
  for (int s0 = gLo; s0 < gHi; s0 += KILN_AT) {
    for (int e = lid; e < KILN_AT * KILN_DH; e += KILN_AQ) {
      int s = s0 + e / KILN_DH;
      int row = (b * Tk + s);
      int d = e % KILN_DH;
      kt[e] = s < gHi ? k[kOff + row * kStride + h * KILN_DH + d] : 0.0f;
      vt[e] = s < gHi ? v[vOff + row * vStride + h * KILN_DH + d] : 0.0f;
    }
    BARRIER();
    int jlo = kiln_imax(lo - s0, 0);
    int jhi = kiln_imin(hi - s0, KILN_AT);
    if (jlo < jhi) {
      float sc[KILN_AT];
      float tileMax = -INFINITY_F;
      for (int j = 0; j < KILN_AT; j++) {
        float x = -INFINITY_F;
        if (j >= jlo && j < jhi && kiln_sees(t, maskShift, s0 + j)) {
          float acc = 0.0f;
          for (int d = 0; d < KILN_DH; d++) acc += qr[d] * kt[j * KILN_DH + d];
          x = acc * scale;
        }
        sc[j] = x;
        tileMax = fmax(tileMax, x);
      }
      if (tileMax != -INFINITY_F) {
        float mNew = fmax(m, tileMax);
        float corr = exp(m - mNew);
        float sum = 0.0f;
        for (int j = 0; j < KILN_AT; j++) {
          float p = exp(sc[j] - mNew);
          sum += p;
          /* the normaliser counts every probability; dropout only thins what reaches the output */
          if (dropout) {
            p = kiln_keep(mixedSeed, dropBase + s0 + j, threshold) ? p * keepScale : 0.0f;
          }
          sc[j] = p;
        }
        l = l * corr + sum;
        for (int d = 0; d < KILN_DH; d++) o[d] *= corr;
        /* keys outer, head dimension inner: o stays in registers */
        for (int j = jlo; j < jhi; j++) {
          float p = sc[j];
          if (p != 0.0f) {
            for (int d = 0; d < KILN_DH; d++) o[d] += p * vt[j * KILN_DH + d];
          }
        }
        m = mNew;
      }
    }
    BARRIER();
  }
  if (live) {
    int oi = outOff + (b * Tq + t) * (H * KILN_DH) + h * KILN_DH;
    int li = lseOff + (b * H + h) * Tq + t;
    if (l == 0.0f) {
      for (int d = 0; d < KILN_DH; d++) out[oi + d] = 0.0f;
      lse[li] = -INFINITY_F;
    } else {
      float inv = 1.0f / l;
      for (int d = 0; d < KILN_DH; d++) out[oi + d] = o[d] * inv;
      lse[li] = m + log(l);
    }
  }
}

/* rowDot[(b·H + h)·Tq + t] = Σ dout·out over the head (the D_t of the backward). Launch: B·H·Tq. */
KERNEL void kiln_attention_row_dot(int count, int Tq, int H, GLOBAL const float* out, int outOff,
    GLOBAL const float* dout, int doutOff, GLOBAL float* rowDot, int rowDotOff) {
  int e = GLOBAL_ID(0);
  if (e >= count) return;
  int t = e % Tq;
  int bh = e / Tq;
  int b = bh / H;
  int h = bh % H;
  int oi = (b * Tq + t) * (H * KILN_DH) + h * KILN_DH;
  float s = 0.0f;
  for (int d = 0; d < KILN_DH; d++) s += dout[doutOff + oi + d] * out[outOff + oi + d];
  rowDot[rowDotOff + e] = s;
}

/* dq_t += Σ_s dS_ts·k_s, with P recomputed from the saved lse and dS = P·(M·(dout·v) - D)·scale
 * (M the dropout multiplier). Launch like the forward. */
KERNEL void kiln_attention_backward_dq(int Tq, int Tk, int H, GLOBAL const float* q, int qOff,
    int qStride, GLOBAL const float* k, int kOff, int kStride, GLOBAL const float* v, int vOff,
    int vStride, GLOBAL const float* dout, int doutOff, GLOBAL const float* lse, int lseOff,
    GLOBAL const float* rowDot, int rowDotOff, GLOBAL float* dq, int dqOff, int dqStride,
    float scale, int maskShift, GLOBAL const int* lengths, int hasLengths, int dropout,
    long mixedSeed, long threshold, float keepScale) {
  LOCAL_MEM float kt[KILN_AT * KILN_DH];
  LOCAL_MEM float vt[KILN_AT * KILN_DH];
  LOCAL_MEM int rangeLo[KILN_AQ];
  LOCAL_MEM int rangeHi[KILN_AQ];
  int lid = LOCAL_ID(0);
  int t = GROUP_ID(0) * KILN_AQ + lid;
  int b = GROUP_ID(1) / H;
  int h = GROUP_ID(1) % H;
  int row = (b * H + h) * Tq + t;
  float lt = t < Tq ? lse[lseOff + row] : -INFINITY_F;
  /* a query that saw no key has a constant output and passes no gradient back */
  int live = t < Tq && lt != -INFINITY_F;
  int lo = live ? kiln_key_lo(t, maskShift, Tk) : 0;
  int hi = live ? kiln_key_hi(t, maskShift, Tk, lengths, hasLengths, b) : 0;
  int gLo = lo < hi ? lo : Tk;
  int gHi = lo < hi ? hi : 0;
  KILN_GROUP_RANGE(rangeLo, rangeHi, KILN_AQ, lid, gLo, gHi);
  float qr[KILN_DH];
  float dor[KILN_DH];
  float acc[KILN_DH];
  int qi = qOff + (b * Tq + t) * qStride + h * KILN_DH;
  int di = doutOff + (b * Tq + t) * (H * KILN_DH) + h * KILN_DH;
  for (int d = 0; d < KILN_DH; d++) {
    qr[d] = live ? q[qi + d] : 0.0f;
    dor[d] = live ? dout[di + d] : 0.0f;
    acc[d] = 0.0f;
  }
  float rd = live ? rowDot[rowDotOff + row] : 0.0f;
  long dropBase = kiln_attention_index(b, h, t, 0, H, Tq, Tk);
  for (int s0 = gLo; s0 < gHi; s0 += KILN_AT) {
    for (int e = lid; e < KILN_AT * KILN_DH; e += KILN_AQ) {
      int s = s0 + e / KILN_DH;
      int kr = (b * Tk + s);
      int d = e % KILN_DH;
      kt[e] = s < gHi ? k[kOff + kr * kStride + h * KILN_DH + d] : 0.0f;
      vt[e] = s < gHi ? v[vOff + kr * vStride + h * KILN_DH + d] : 0.0f;
    }
    BARRIER();
    int jlo = kiln_imax(lo - s0, 0);
    int jhi = kiln_imin(hi - s0, KILN_AT);
    for (int j = jlo; j < jhi; j++) {
      if (!kiln_sees(t, maskShift, s0 + j)) continue;
      float sqk = 0.0f;
      float dp = 0.0f;
      for (int d = 0; d < KILN_DH; d++) {
        sqk += qr[d] * kt[j * KILN_DH + d];
        dp += dor[d] * vt[j * KILN_DH + d];
      }
      float p = exp(sqk * scale - lt);
      if (dropout) dp *= kiln_keep(mixedSeed, dropBase + s0 + j, threshold) ? keepScale : 0.0f;
      float ds = (dp - rd) * p * scale;
      for (int d = 0; d < KILN_DH; d++) acc[d] += ds * kt[j * KILN_DH + d];
    }
    BARRIER();
  }
  if (live) {
    int o = dqOff + (b * Tq + t) * dqStride + h * KILN_DH;
    for (int d = 0; d < KILN_DH; d++) dq[o + d] += acc[d];
  }
}

/* dv_s += Σ_t P_ts·M_ts·dout_t and dk_s += Σ_t dS_ts·q_t over the queries t that see key s, in query
 * order. The group first finds the queries whose ranges meet its keys (scanning all of them, as the
 * mask gives ranges per query only), then stages those queries KILN_AT at a time.
 * Launch: global (ceil(Tk / KILN_AQ)·KILN_AQ, B·H), local (KILN_AQ, 1). */
KERNEL void kiln_attention_backward_dkdv(int Tq, int Tk, int H, GLOBAL const float* q, int qOff,
    int qStride, GLOBAL const float* k, int kOff, int kStride, GLOBAL const float* v, int vOff,
    int vStride, GLOBAL const float* dout, int doutOff, GLOBAL const float* lse, int lseOff,
    GLOBAL const float* rowDot, int rowDotOff, GLOBAL float* dk, int dkOff, int dkStride,
    GLOBAL float* dv, int dvOff, int dvStride, float scale, int maskShift,
    GLOBAL const int* lengths, int hasLengths, int dropout, long mixedSeed, long threshold, float keepScale) {
  LOCAL_MEM float qt[KILN_AT * KILN_DH];
  LOCAL_MEM float dt[KILN_AT * KILN_DH];
  LOCAL_MEM float tileLse[KILN_AT];
  LOCAL_MEM float tileDot[KILN_AT];
  LOCAL_MEM int tileLo[KILN_AT];
  LOCAL_MEM int tileHi[KILN_AT];
  LOCAL_MEM int rangeLo[KILN_AQ];
  LOCAL_MEM int rangeHi[KILN_AQ];
  int lid = LOCAL_ID(0);
  int sFirst = GROUP_ID(0) * KILN_AQ;
  int sEnd = kiln_imin(sFirst + KILN_AQ, Tk);
  int s = sFirst + lid;
  int b = GROUP_ID(1) / H;
  int h = GROUP_ID(1) % H;
  int lseBase = lseOff + (b * H + h) * Tq;
  int tFirst = Tq;
  int tEnd = 0;
  for (int t = lid; t < Tq; t += KILN_AQ) {
    if (lse[lseBase + t] != -INFINITY_F) {
      int lo = kiln_imax(kiln_key_lo(t, maskShift, Tk), sFirst);
      int hi = kiln_imin(kiln_key_hi(t, maskShift, Tk, lengths, hasLengths, b), sEnd);
      if (lo < hi) {
        tFirst = kiln_imin(tFirst, t);
        tEnd = t + 1;
      }
    }
  }
  KILN_GROUP_RANGE(rangeLo, rangeHi, KILN_AQ, lid, tFirst, tEnd);
  int live = s < Tk;
  float kr[KILN_DH];
  float vr[KILN_DH];
  float dka[KILN_DH];
  float dva[KILN_DH];
  int ki = kOff + (b * Tk + s) * kStride + h * KILN_DH;
  int vi = vOff + (b * Tk + s) * vStride + h * KILN_DH;
  for (int d = 0; d < KILN_DH; d++) {
    kr[d] = live ? k[ki + d] : 0.0f;
    vr[d] = live ? v[vi + d] : 0.0f;
    dka[d] = 0.0f;
    dva[d] = 0.0f;
  }
  for (int t0 = tFirst; t0 < tEnd; t0 += KILN_AT) {
    for (int e = lid; e < KILN_AT * KILN_DH; e += KILN_AQ) {
      int t = t0 + e / KILN_DH;
      int d = e % KILN_DH;
      qt[e] = t < tEnd ? q[qOff + (b * Tq + t) * qStride + h * KILN_DH + d] : 0.0f;
      dt[e] = t < tEnd ? dout[doutOff + (b * Tq + t) * (H * KILN_DH) + h * KILN_DH + d] : 0.0f;
    }
    for (int i = lid; i < KILN_AT; i += KILN_AQ) {
      int t = t0 + i;
      float lt = t < tEnd ? lse[lseBase + t] : -INFINITY_F;
      int ok = lt != -INFINITY_F;
      tileLse[i] = lt;
      tileDot[i] = ok ? rowDot[rowDotOff + (b * H + h) * Tq + t] : 0.0f;
      tileLo[i] = ok ? kiln_key_lo(t, maskShift, Tk) : 0;
      tileHi[i] = ok ? kiln_key_hi(t, maskShift, Tk, lengths, hasLengths, b) : 0;
    }
    BARRIER();
    if (live) {
      for (int i = 0; i < KILN_AT; i++) {
        int t = t0 + i;
        if (s < tileLo[i] || s >= tileHi[i] || !kiln_sees(t, maskShift, s)) continue;
        float sqk = 0.0f;
        float dp = 0.0f;
        for (int d = 0; d < KILN_DH; d++) {
          sqk += qt[i * KILN_DH + d] * kr[d];
          dp += dt[i * KILN_DH + d] * vr[d];
        }
        float p = exp(sqk * scale - tileLse[i]);
        float mult = 1.0f;
        if (dropout) {
          mult = kiln_keep(mixedSeed, kiln_attention_index(b, h, t, s, H, Tq, Tk), threshold)
              ? keepScale
              : 0.0f;
        }
        float ds = (dp * mult - tileDot[i]) * p * scale;
        float pm = p * mult;
        for (int d = 0; d < KILN_DH; d++) {
          dva[d] += pm * dt[i * KILN_DH + d];
          dka[d] += ds * qt[i * KILN_DH + d];
        }
      }
    }
    BARRIER();
  }
  if (live) {
    int ko = dkOff + (b * Tk + s) * dkStride + h * KILN_DH;
    int vo = dvOff + (b * Tk + s) * dvStride + h * KILN_DH;
    for (int d = 0; d < KILN_DH; d++) {
      dk[ko + d] += dka[d];
      dv[vo + d] += dva[d];
    }
  }
}

#endif /* KILN_DH */
