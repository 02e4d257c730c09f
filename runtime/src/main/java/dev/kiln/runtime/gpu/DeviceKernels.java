package dev.kiln.runtime.gpu;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.cpu.Shared;
import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel calls of {@link Kernels32} on a {@link Device}: same names, same argument order, with
 * {@link Device.Buffer}s and element offsets in place of arrays. Each method's semantics are those of
 * the {@code Kernels32} method it is named after (up to float rounding: sums run in a different, but
 * fixed, order); the differences are noted where there are any. Launches are asynchronous; only
 * {@link #sum} and {@link #sumSquares} wait for a result.
 *
 * <p>The kernel library ({@code kernels.c}) is built on first use; the attention kernels are built
 * once per distinct (mask, head size). Work-group sizes: 256 work items for element-wise kernels and
 * reductions, 128 per row for row kernels (softmax, layer norm, cross entropy: one group per row),
 * 16×16 for GEMM (each item computes a 4×4 block of a 64×64 tile of C), 64 queries or keys per group
 * for attention. Column sums (bias, layer-norm parameter gradients, broadcast backward) split rows
 * into chunks of at least 64 and add the chunk sums in order, so every result is deterministic.
 *
 * <p>Not thread-safe: a model drives one instance from one thread, as the device queue is in-order.
 */
public final class DeviceKernels implements AutoCloseable {
  static final int GROUP = 256;
  static final int ROW = 128;
  static final int GEMM_TILE = 64;
  static final int GEMM_GROUP = 16;
  static final int ATTENTION_GROUP = 64;
  private static final int CHUNK_ROWS = 64;
  private static final int MAX_PARTS = 256;
  private static final long MAX_COLSUM_PARTIALS = 1L << 22;
  private static final int MAX_BATCH_PER_LAUNCH = 65535; // CUDA's grid z limit

  private final Device device;
  private final IntUploads ints;
  private final Map<String, Device.Kernel> kernels = new HashMap<>();
  private final Map<AttentionKey, AttentionKernels> attentionKernels = new HashMap<>();
  private final Map<Integer, SinusoidTable> sinusoids = new HashMap<>();
  private final java.util.List<FloatUpload> floatUploads = new java.util.ArrayList<>();
  private Device.Program library;
  private Device.Buffer scratch;
  private long scratchFloats;
  private Device.Buffer none;

  /** Kernels on {@code device}; nothing is built until the first call. */
  public DeviceKernels(Device device) {
    this.device = device;
    this.ints = new IntUploads(device);
  }

  /** The device these kernels run on. */
  public Device device() {
    return device;
  }

  /**
   * Uploads {@code host} (token ids, targets, positions, lengths) and returns its device copy: one
   * buffer per array, reused and refilled on every call; {@code null} gives {@code null}. The host
   * contents are remembered so that {@link #embedding}, {@link #embeddingBackward}, {@link
   * #crossEntropyMean} and {@link #crossEntropyBackward} can check ids and targets as the CPU does.
   *
   * <p>The buffer belongs to the array, which is held weakly: call {@code ints} again before each use
   * (as new contents need anyway) and do not keep using the buffer after dropping the array, since
   * the buffer of a collected array is handed to the next new one.
   */
  public Device.Buffer ints(int[] host) {
    return host == null ? null : ints.upload(host);
  }

  /**
   * Uploads a float input array and returns its device copy, like {@link #ints}: one buffer per
   * array, refilled on every call; {@code null} gives {@code null}.
   */
  public Device.Buffer floats(float[] host) {
    if (host == null) {
      return null;
    }
    FloatUpload u = null;
    for (FloatUpload f : floatUploads) {
      if (f.array.get() == host) {
        u = f;
      }
    }
    for (int i = 0; u == null && i < floatUploads.size(); i++) {
      if (floatUploads.get(i).array.get() == null) { // its array is gone: reuse the buffer
        u = floatUploads.get(i);
        u.array = new java.lang.ref.WeakReference<>(host);
      }
    }
    if (u == null) {
      u = new FloatUpload(new java.lang.ref.WeakReference<>(host), null);
      floatUploads.add(u);
    }
    if (u.buffer == null || u.buffer.bytes() < 4L * host.length) {
      if (u.buffer != null) {
        device.finish();
        u.buffer.close();
      }
      u.buffer = device.allocate(4L * Math.max(1, host.length));
    }
    device.write(u.buffer, 0, host, 0, host.length);
    return u.buffer;
  }

  /** A float input's device copy; the array is held weakly, like {@link IntUploads}. */
  private static final class FloatUpload {
    java.lang.ref.WeakReference<float[]> array;
    Device.Buffer buffer;

    FloatUpload(java.lang.ref.WeakReference<float[]> array, Device.Buffer buffer) {
      this.array = array;
      this.buffer = buffer;
    }
  }

  // ---------------------------------------------------------------------------------------- matmul

  /** {@link Kernels32#gemm}. */
  public void gemm(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      Device.Buffer a,
      int aOff,
      int lda,
      Device.Buffer b,
      int bOff,
      int ldb,
      Device.Buffer c,
      int cOff,
      int ldc,
      boolean accumulate) {
    gemmBatched(
        1, transA, transB, M, N, K, a, aOff, 0, lda, b, bOff, 0, ldb, c, cOff, 0, ldc, accumulate);
  }

  /** {@link Kernels32#gemmBatched}. */
  public void gemmBatched(
      int batch,
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      Device.Buffer a,
      int aOff,
      int strideA,
      int lda,
      Device.Buffer b,
      int bOff,
      int strideB,
      int ldb,
      Device.Buffer c,
      int cOff,
      int strideC,
      int ldc,
      boolean accumulate) {
    if (batch <= 0 || M <= 0 || N <= 0) {
      return;
    }
    long[] local = {GEMM_GROUP, GEMM_GROUP, 1};
    for (int b0 = 0; b0 < batch; b0 += MAX_BATCH_PER_LAUNCH) {
      int count = Math.min(MAX_BATCH_PER_LAUNCH, batch - b0);
      long[] global = {groups(N, GEMM_TILE) * GEMM_GROUP, groups(M, GEMM_TILE) * GEMM_GROUP, count};
      kernel("kiln_gemm")
          .launch(
              global,
              local,
              flag(transA),
              flag(transB),
              M,
              N,
              K,
              a,
              aOff + b0 * strideA,
              strideA,
              lda,
              b,
              bOff + b0 * strideB,
              strideB,
              ldb,
              c,
              cOff + b0 * strideC,
              strideC,
              ldc,
              flag(accumulate));
    }
  }

  /** {@link Kernels32#addBias}. */
  public void addBias(int rows, int n, Device.Buffer c, int cOff, Device.Buffer bias, int biasOff) {
    add(rows * n, c, cOff, bias, biasOff, n, c, cOff);
  }

  /** {@link Kernels32#biasBackward}. */
  public void biasBackward(
      int rows, int n, Device.Buffer dy, int dyOff, Device.Buffer dbias, int dbOff) {
    columnSums(rows, n, ColumnSum.X, dy, dyOff, null, 0, null, 0, null, 0, 1f, dbias, dbOff);
  }

  // ------------------------------------------------------------------------------------ embeddings

  /**
   * {@link Kernels32#embedding}; ids are checked (throwing before any launch) when {@code ids} came
   * from {@link #ints}.
   */
  public void embedding(
      int n,
      Device.Buffer ids,
      int idsOff,
      Device.Buffer table,
      int tOff,
      int vocab,
      int dim,
      Device.Buffer out,
      int outOff) {
    Checks.checkIds(n, ints.contents(ids), idsOff, vocab);
    launch("kiln_embedding", (long) n * dim, GROUP, n, dim, ids, idsOff, table, tOff, out, outOff);
  }

  /** {@link Kernels32#embeddingBackward}; ids are checked like {@link #embedding}. */
  public void embeddingBackward(
      int n,
      Device.Buffer ids,
      int idsOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dtable,
      int dtOff,
      int vocab,
      int dim) {
    Checks.checkIds(n, ints.contents(ids), idsOff, vocab);
    if (n > 0) {
      launch(
          "kiln_embedding_backward", dim, GROUP, n, dim, ids, idsOff, dout, doutOff, dtable, dtOff);
    }
  }

  /**
   * {@link Kernels32#sinusoidal}: copied from a device table of the encodings computed on the host in
   * double (so the values equal the CPU's), which grows as later positions are asked for.
   */
  public void sinusoidal(int T, int dim, Device.Buffer out, int outOff) {
    sinusoidalFrom(0, T, dim, out, outOff);
  }

  /** {@link Kernels32#sinusoidalFrom}, from the same table as {@link #sinusoidal}. */
  public void sinusoidalFrom(int start, int T, int dim, Device.Buffer out, int outOff) {
    if (T <= 0 || dim <= 0) {
      return;
    }
    Device.Buffer table = sinusoidTable(start + T, dim);
    copyAxis(1, 1, T * dim, table, start * dim, 1, 0, out, outOff, 1, 0, false);
  }

  // ------------------------------------------------------------------------------------ pointwise

  /** {@link Kernels32#add}. */
  public void add(
      int n,
      Device.Buffer a,
      int aOff,
      Device.Buffer b,
      int bOff,
      int bn,
      Device.Buffer out,
      int outOff) {
    binary(0, n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@link Kernels32#sub}. */
  public void sub(
      int n,
      Device.Buffer a,
      int aOff,
      Device.Buffer b,
      int bOff,
      int bn,
      Device.Buffer out,
      int outOff) {
    binary(1, n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@link Kernels32#mul}. */
  public void mul(
      int n,
      Device.Buffer a,
      int aOff,
      Device.Buffer b,
      int bOff,
      int bn,
      Device.Buffer out,
      int outOff) {
    binary(2, n, a, aOff, b, bOff, bn, out, outOff);
  }

  private void binary(
      int op,
      int n,
      Device.Buffer a,
      int aOff,
      Device.Buffer b,
      int bOff,
      int bn,
      Device.Buffer out,
      int outOff) {
    launch("kiln_binary", n, GROUP, op, n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** {@link Kernels32#scale}. */
  public void scale(int n, Device.Buffer x, int xOff, double s, Device.Buffer out, int outOff) {
    launch("kiln_scale", n, GROUP, n, x, xOff, (float) s, out, outOff);
  }

  /** {@link Kernels32#fill}. */
  public void fill(int n, Device.Buffer x, int xOff, double value) {
    launch("kiln_fill", n, GROUP, n, x, xOff, (float) value);
  }

  /** {@link Kernels32#accumulate}. */
  public void accumulate(
      int n, double alpha, Device.Buffer x, int xOff, Device.Buffer y, int yOff) {
    launch("kiln_axpy", n, GROUP, n, (float) alpha, x, xOff, y, yOff);
  }

  /**
   * {@code y[i] += s[sOff] / divisor} for every i: {@link Kernels32#accumulateScalar} with the scalar
   * still on the device (the upstream gradient of a mean, divided by its count).
   */
  public void accumulateScalar(
      int n, Device.Buffer s, int sOff, double divisor, Device.Buffer y, int yOff) {
    launch("kiln_add_ratio", n, GROUP, n, s, sOff, (float) divisor, y, yOff);
  }

  /** {@link Kernels32#reduceBroadcast}. */
  public void reduceBroadcast(
      int n, int bn, double alpha, Device.Buffer dout, int doutOff, Device.Buffer db, int dbOff) {
    if (n <= 0) {
      return;
    }
    if (bn == n) {
      accumulate(n, alpha, dout, doutOff, db, dbOff);
    } else if (bn == 1) {
      Device.Buffer work = scratch(MAX_PARTS);
      reduce(n, dout, doutOff, false, work, 0, 1f, true, (float) alpha, db, dbOff);
    } else {
      columnSums(
          n / bn,
          bn,
          ColumnSum.X,
          dout,
          doutOff,
          null,
          0,
          null,
          0,
          null,
          0,
          (float) alpha,
          db,
          dbOff);
    }
  }

  /** {@link Kernels32#mulBackward}. */
  public void mulBackward(
      int n,
      int bn,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer a,
      int aOff,
      Device.Buffer b,
      int bOff,
      Device.Buffer da,
      int daOff,
      Device.Buffer db,
      int dbOff) {
    if (n <= 0) {
      return;
    }
    if (da != null) {
      launch("kiln_mul_backward", n, GROUP, n, bn, dout, doutOff, b, bOff, da, daOff);
    }
    if (db != null) {
      if (bn == n) {
        launch("kiln_mul_backward", n, GROUP, n, n, dout, doutOff, a, aOff, db, dbOff);
      } else {
        columnSums(
            n / bn, bn, ColumnSum.XY, dout, doutOff, a, aOff, null, 0, null, 0, 1f, db, dbOff);
      }
    }
  }

  // ---------------------------------------------------------------------------------- activations

  private static final int RELU = 0;
  private static final int GELU = 1;
  private static final int GELU_TANH = 2;
  private static final int TANH = 3;

  /** {@link Kernels32#relu}. */
  public void relu(int n, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    activation(RELU, n, x, xOff, out, outOff);
  }

  /** {@link Kernels32#reluBackward}. */
  public void reluBackward(
      int n,
      Device.Buffer x,
      int xOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    activationBackward(RELU, n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** {@link Kernels32#gelu}. */
  public void gelu(int n, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    activation(GELU, n, x, xOff, out, outOff);
  }

  /** {@link Kernels32#geluBackward}. */
  public void geluBackward(
      int n,
      Device.Buffer x,
      int xOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    activationBackward(GELU, n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** {@link Kernels32#geluTanh}. */
  public void geluTanh(int n, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    activation(GELU_TANH, n, x, xOff, out, outOff);
  }

  /** {@link Kernels32#geluTanhBackward}. */
  public void geluTanhBackward(
      int n,
      Device.Buffer x,
      int xOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    activationBackward(GELU_TANH, n, x, xOff, dout, doutOff, dx, dxOff);
  }

  /** {@link Kernels32#tanh}. */
  public void tanh(int n, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    activation(TANH, n, x, xOff, out, outOff);
  }

  /** {@link Kernels32#tanhBackward}. */
  public void tanhBackward(
      int n,
      Device.Buffer y,
      int yOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    activationBackward(TANH, n, y, yOff, dout, doutOff, dx, dxOff);
  }

  private void activation(int fn, int n, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    launch("kiln_activation", n, GROUP, fn, n, x, xOff, out, outOff);
  }

  private void activationBackward(
      int fn,
      int n,
      Device.Buffer x,
      int xOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    launch("kiln_activation_backward", n, GROUP, fn, n, x, xOff, dout, doutOff, dx, dxOff);
  }

  // ------------------------------------------------------------------------------------ row-wise

  /** {@link Kernels32#softmax}. */
  public void softmax(int rows, int dim, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    launchRows("kiln_softmax", rows, rows, dim, x, xOff, out, outOff);
  }

  /** {@link Kernels32#softmaxBackward}. */
  public void softmaxBackward(
      int rows,
      int dim,
      Device.Buffer y,
      int yOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer dx,
      int dxOff) {
    launchRows("kiln_softmax_backward", rows, rows, dim, y, yOff, dout, doutOff, dx, dxOff);
  }

  /** {@link Kernels32#layerNorm}. */
  public void layerNorm(
      int rows,
      int dim,
      Device.Buffer x,
      int xOff,
      Device.Buffer gamma,
      int gOff,
      Device.Buffer beta,
      int bOff,
      double eps,
      Device.Buffer out,
      int outOff,
      Device.Buffer mean,
      int meanOff,
      Device.Buffer rstd,
      int rstdOff) {
    launchRows(
        "kiln_layer_norm",
        rows,
        rows,
        dim,
        x,
        xOff,
        orNone(gamma),
        gOff,
        flag(gamma != null),
        orNone(beta),
        bOff,
        flag(beta != null),
        (float) eps,
        out,
        outOff,
        mean,
        meanOff,
        rstd,
        rstdOff);
  }

  /** {@link Kernels32#layerNormBackward}. */
  public void layerNormBackward(
      int rows,
      int dim,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer x,
      int xOff,
      Device.Buffer gamma,
      int gOff,
      Device.Buffer mean,
      int meanOff,
      Device.Buffer rstd,
      int rstdOff,
      Device.Buffer dx,
      int dxOff,
      Device.Buffer dgamma,
      int dgOff,
      Device.Buffer dbeta,
      int dbOff) {
    if (dx != null) {
      launchRows(
          "kiln_layer_norm_backward",
          rows,
          rows,
          dim,
          dout,
          doutOff,
          x,
          xOff,
          orNone(gamma),
          gOff,
          flag(gamma != null),
          mean,
          meanOff,
          rstd,
          rstdOff,
          dx,
          dxOff);
    }
    if (dbeta != null) {
      columnSums(
          rows, dim, ColumnSum.X, dout, doutOff, null, 0, null, 0, null, 0, 1f, dbeta, dbOff);
    }
    if (dgamma != null) {
      columnSums(
          rows,
          dim,
          ColumnSum.X_XHAT,
          dout,
          doutOff,
          x,
          xOff,
          mean,
          meanOff,
          rstd,
          rstdOff,
          1f,
          dgamma,
          dgOff);
    }
  }

  // -------------------------------------------------------------------------------------- dropout

  /** {@link Kernels32#dropout}: the same keep decisions, bit for bit. */
  public void dropout(
      int n, double p, long seed, Device.Buffer x, int xOff, Device.Buffer out, int outOff) {
    Shared.checkP(p);
    if (p == 0) {
      if (x != out || xOff != outOff) {
        copyAxis(1, 1, n, x, xOff, 1, 0, out, outOff, 1, 0, false);
      }
      return;
    }
    launch(
        "kiln_dropout",
        n,
        GROUP,
        n,
        Rng.mix(seed),
        dropThreshold(p),
        (float) Shared.keepScale(p),
        x,
        xOff,
        out,
        outOff);
  }

  /** {@link Kernels32#dropoutBackward}. */
  public void dropoutBackward(
      int n, double p, long seed, Device.Buffer dout, int doutOff, Device.Buffer dx, int dxOff) {
    Shared.checkP(p);
    if (p == 0) {
      accumulate(n, 1.0, dout, doutOff, dx, dxOff);
      return;
    }
    launch(
        "kiln_dropout_backward",
        n,
        GROUP,
        n,
        Rng.mix(seed),
        dropThreshold(p),
        (float) Shared.keepScale(p),
        dout,
        doutOff,
        dx,
        dxOff);
  }

  // ------------------------------------------------------------------------------------- layout

  /** {@link Kernels32#copyAxis}. */
  public void copyAxis(
      int outer,
      int len,
      int inner,
      Device.Buffer src,
      int srcOff,
      int srcAxis,
      int srcStart,
      Device.Buffer dst,
      int dstOff,
      int dstAxis,
      int dstStart,
      boolean accumulate) {
    launch(
        "kiln_copy_axis",
        (long) outer * len * inner,
        GROUP,
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
        flag(accumulate));
  }

  // ----------------------------------------------------------------------------------------- loss

  /**
   * {@link Kernels32#crossEntropy}, writing {@code valid == 0 ? 0 : (Σ row losses) / valid} into
   * {@code out[outOff]} on the device instead of returning the sum; {@code lse} as on the CPU. Targets
   * are checked like ids in {@link #embedding}.
   */
  public void crossEntropyMean(
      int rows,
      int V,
      Device.Buffer logits,
      int lOff,
      Device.Buffer targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      Device.Buffer lse,
      int lseOff,
      int valid,
      Device.Buffer out,
      int outOff) {
    Checks.checkTargets(rows, V, ints.contents(targets), tOff, ignoreIndex);
    if (rows <= 0) {
      fill(1, out, outOff, 0);
      return;
    }
    // Scratch: the row losses, then the reduction's partial sums.
    Device.Buffer work = scratch((long) rows + MAX_PARTS);
    launchRows(
        "kiln_cross_entropy",
        rows,
        rows,
        V,
        logits,
        lOff,
        targets,
        tOff,
        ignoreIndex,
        (float) smoothing,
        lse,
        lseOff,
        work,
        0);
    if (valid == 0) {
      fill(1, out, outOff, 0);
    } else {
      reduce(rows, work, 0, false, work, rows, (float) valid, false, 0f, out, outOff);
    }
  }

  /**
   * {@link Kernels32#crossEntropyBackward} with {@code gradScale = divisor == 0 ? 0 : dy[dyOff] /
   * divisor} read on the device; targets are checked like ids in {@link #embedding}.
   */
  public void crossEntropyBackward(
      int rows,
      int V,
      Device.Buffer logits,
      int lOff,
      Device.Buffer targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      Device.Buffer lse,
      int lseOff,
      Device.Buffer dy,
      int dyOff,
      double divisor,
      Device.Buffer dlogits,
      int dOff) {
    Checks.checkTargets(rows, V, ints.contents(targets), tOff, ignoreIndex);
    launch(
        "kiln_cross_entropy_backward",
        (long) rows * V,
        GROUP,
        rows,
        V,
        logits,
        lOff,
        targets,
        tOff,
        ignoreIndex,
        (float) (smoothing / V),
        (float) (1 - smoothing),
        lse,
        lseOff,
        dy,
        dyOff,
        (float) divisor,
        dlogits,
        dOff);
  }

  /** {@link Kernels32#sum}: reduced on the device in a fixed order, one float read back. */
  public double sum(int n, Device.Buffer x, int xOff) {
    return reduceToHost(n, x, xOff, false);
  }

  /** {@link Kernels32#sumSquares}, like {@link #sum}. */
  public double sumSquares(int n, Device.Buffer x, int xOff) {
    return reduceToHost(n, x, xOff, true);
  }

  /** {@code out[outOff] = Σ x / count}, on the device. */
  public void mean(int n, Device.Buffer x, int xOff, double count, Device.Buffer out, int outOff) {
    Device.Buffer work = scratch(MAX_PARTS);
    reduce(Math.max(n, 0), x, xOff, false, work, 0, (float) count, false, 0f, out, outOff);
  }

  private double reduceToHost(int n, Device.Buffer x, int xOff, boolean squares) {
    if (n <= 0) {
      return 0;
    }
    Device.Buffer work = scratch(MAX_PARTS + 1L);
    reduce(n, x, xOff, squares, work, 0, 1f, false, 0f, work, MAX_PARTS);
    float[] result = new float[1];
    device.read(work, MAX_PARTS, result, 0, 1);
    return result[0];
  }

  /**
   * Two passes: up to {@link #MAX_PARTS} groups write partial sums at {@code partial[partialOff..]},
   * then one group adds them in order and writes {@code total / divisor} into {@code out[outOff]}, or
   * adds {@code alpha·total} to it when {@code add}.
   */
  private void reduce(
      int n,
      Device.Buffer x,
      int xOff,
      boolean squares,
      Device.Buffer partial,
      int partialOff,
      float divisor,
      boolean add,
      float alpha,
      Device.Buffer out,
      int outOff) {
    int parts = (int) Math.min(MAX_PARTS, groups(n, GROUP));
    if (parts > 0) {
      kernel("kiln_reduce_partial")
          .launch(
              new long[] {(long) parts * GROUP},
              new long[] {GROUP},
              n,
              x,
              xOff,
              flag(squares),
              partial,
              partialOff);
    }
    kernel("kiln_reduce_final")
        .launch(
            new long[] {GROUP},
            new long[] {GROUP},
            parts,
            partial,
            partialOff,
            divisor,
            flag(add),
            alpha,
            out,
            outOff);
  }

  /** What {@link #columnSums} adds up per row, with the kernel's mode number (KILN_COLSUM_*). */
  private enum ColumnSum {
    X(0),
    XY(1),
    X_XHAT(2);

    final int mode;

    ColumnSum(int mode) {
      this.mode = mode;
    }
  }

  /**
   * {@code out[j] += alpha·Σ_r term(r, j)} over a {@code rows × cols} matrix: work item (chunk, j)
   * sums a chunk of rows in order; with several chunks their partials go to scratch and a second
   * kernel adds them in chunk order. Chunks hold a multiple of {@link #CHUNK_ROWS} rows and are few
   * enough that the partials fit {@link #MAX_COLSUM_PARTIALS} floats.
   */
  private void columnSums(
      int rows,
      int cols,
      ColumnSum mode,
      Device.Buffer x,
      int xOff,
      Device.Buffer y,
      int yOff,
      Device.Buffer mean,
      int meanOff,
      Device.Buffer rstd,
      int rstdOff,
      float alpha,
      Device.Buffer out,
      int outOff) {
    if (rows <= 0 || cols <= 0) {
      return;
    }
    // Chunks of a multiple of CHUNK_ROWS rows (the CPU folds its float partials every 64 rows too).
    long maxChunks = Math.max(1, MAX_COLSUM_PARTIALS / cols);
    int chunkRows = (int) (CHUNK_ROWS * groups(groups(rows, CHUNK_ROWS), maxChunks));
    long chunks = groups(rows, chunkRows);
    boolean direct = chunks == 1;
    Device.Buffer partial = direct ? out : scratch(chunks * cols);
    launch(
        "kiln_colsum",
        chunks * cols,
        GROUP,
        rows,
        cols,
        x,
        xOff,
        orNone(y),
        yOff,
        orNone(mean),
        meanOff,
        orNone(rstd),
        rstdOff,
        mode.mode,
        chunkRows,
        flag(direct),
        alpha,
        partial,
        direct ? outOff : 0);
    if (!direct) {
      launch("kiln_colsum_finish", cols, GROUP, (int) chunks, cols, partial, 0, alpha, out, outOff);
    }
  }

  // ------------------------------------------------------------------------------------ attention

  /**
   * {@link Kernels32#attention}; {@code lengths} is a device int buffer (from {@link #ints}) or null
   * for no padding, a null {@code mask} is {@code full}.
   */
  public void attention(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      Device.Buffer q,
      int qOff,
      int qStride,
      Device.Buffer k,
      int kOff,
      int kStride,
      Device.Buffer v,
      int vOff,
      int vStride,
      Device.Buffer out,
      int outOff,
      Device.Buffer lse,
      int lseOff,
      double scale,
      Mask mask,
      Device.Buffer lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    if (B <= 0 || H <= 0 || Tq <= 0) {
      return;
    }
    AttentionKernels ak = attentionKernels(mask, dh);
    ak.forward()
        .launch(
            new long[] {groups(Tq, ATTENTION_GROUP) * ATTENTION_GROUP, (long) B * H},
            new long[] {ATTENTION_GROUP, 1},
            Tq,
            Tk,
            H,
            q,
            qOff,
            qStride,
            k,
            kOff,
            kStride,
            v,
            vOff,
            vStride,
            out,
            outOff,
            lse,
            lseOff,
            (float) scale,
            ak.shift(),
            orNone(lengths),
            flag(lengths != null),
            flag(dropoutP > 0),
            Rng.mix(seed),
            dropThreshold(dropoutP),
            (float) Shared.keepScale(dropoutP));
  }

  /** {@link Kernels32#attentionBackward}, with {@code lengths} and {@code mask} as in {@link #attention}. */
  public void attentionBackward(
      int B,
      int Tq,
      int Tk,
      int H,
      int dh,
      Device.Buffer q,
      int qOff,
      int qStride,
      Device.Buffer k,
      int kOff,
      int kStride,
      Device.Buffer v,
      int vOff,
      int vStride,
      Device.Buffer out,
      int outOff,
      Device.Buffer dout,
      int doutOff,
      Device.Buffer lse,
      int lseOff,
      Device.Buffer dq,
      int dqOff,
      int dqStride,
      Device.Buffer dk,
      int dkOff,
      int dkStride,
      Device.Buffer dv,
      int dvOff,
      int dvStride,
      double scale,
      Mask mask,
      Device.Buffer lengths,
      double dropoutP,
      long seed) {
    Shared.checkP(dropoutP);
    if (B <= 0 || H <= 0 || Tq <= 0 || Tk <= 0) {
      return;
    }
    AttentionKernels ak = attentionKernels(mask, dh);
    int rows = B * H * Tq;
    Device.Buffer rowDot = scratch(rows);
    ak.rowDot()
        .launch(
            new long[] {groups(rows, GROUP) * GROUP},
            new long[] {GROUP},
            rows,
            Tq,
            H,
            out,
            outOff,
            dout,
            doutOff,
            rowDot,
            0);
    Device.Buffer len = orNone(lengths);
    int hasLengths = flag(lengths != null);
    int dropout = flag(dropoutP > 0);
    long mixedSeed = Rng.mix(seed);
    long threshold = dropThreshold(dropoutP);
    float keepScale = (float) Shared.keepScale(dropoutP);
    float fscale = (float) scale;
    ak.dq()
        .launch(
            new long[] {groups(Tq, ATTENTION_GROUP) * ATTENTION_GROUP, (long) B * H},
            new long[] {ATTENTION_GROUP, 1},
            Tq,
            Tk,
            H,
            q,
            qOff,
            qStride,
            k,
            kOff,
            kStride,
            v,
            vOff,
            vStride,
            dout,
            doutOff,
            lse,
            lseOff,
            rowDot,
            0,
            dq,
            dqOff,
            dqStride,
            fscale,
            ak.shift(),
            len,
            hasLengths,
            dropout,
            mixedSeed,
            threshold,
            keepScale);
    ak.dkdv()
        .launch(
            new long[] {groups(Tk, ATTENTION_GROUP) * ATTENTION_GROUP, (long) B * H},
            new long[] {ATTENTION_GROUP, 1},
            Tq,
            Tk,
            H,
            q,
            qOff,
            qStride,
            k,
            kOff,
            kStride,
            v,
            vOff,
            vStride,
            dout,
            doutOff,
            lse,
            lseOff,
            rowDot,
            0,
            dk,
            dkOff,
            dkStride,
            dv,
            dvOff,
            dvStride,
            fscale,
            ak.shift(),
            len,
            hasLengths,
            dropout,
            mixedSeed,
            threshold,
            keepScale);
  }

  private record AttentionKey(Mask mask, int dh) {}

  /** One program's kernels, and the query shift of the mask they are launched for. */
  private record AttentionKernels(
      Device.Kernel forward,
      Device.Kernel rowDot,
      Device.Kernel dq,
      Device.Kernel dkdv,
      int shift) {}

  /**
   * The attention kernels for {@code mask} (null is full) and head size {@code dh}, built once. Shifts
   * at the root of the mask become a launch argument, so that incremental decoding, whose mask is
   * shifted anew at every step, reuses one program.
   */
  private AttentionKernels attentionKernels(Mask mask, int dh) {
    Mask base = mask == null ? Masks.full() : mask;
    int shift = 0;
    while (base instanceof Masks.Shifted s) {
      shift += s.offset(); // wraps like the nested shifts' own additions
      base = s.m();
    }
    AttentionKey key = new AttentionKey(base, dh);
    AttentionKernels ak = attentionKernels.get(key);
    if (ak == null) {
      Device.Program p = device.build(KernelSource.attention(base, dh), "");
      ak = new AttentionKernels(
          p.kernel("kiln_attention_forward"),
          p.kernel("kiln_attention_row_dot"),
          p.kernel("kiln_attention_backward_dq"),
          p.kernel("kiln_attention_backward_dkdv"),
          0);
      attentionKernels.put(key, ak);
    }
    return new AttentionKernels(ak.forward(), ak.rowDot(), ak.dq(), ak.dkdv(), shift);
  }

  // ------------------------------------------------------------------------------------ optimiser

  /** {@link Kernels32#adamw}. */
  public void adamw(
      int n,
      Device.Buffer p,
      int pOff,
      Device.Buffer g,
      int gOff,
      Device.Buffer m,
      int mOff,
      Device.Buffer v,
      int vOff,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      int step) {
    Shared.checkStep(step);
    launch(
        "kiln_adamw",
        n,
        GROUP,
        n,
        p,
        pOff,
        g,
        gOff,
        m,
        mOff,
        v,
        vOff,
        (float) lr,
        (float) beta1,
        (float) beta2,
        (float) (1 - beta1),
        (float) (1 - beta2),
        (float) (1 / (1 - Math.pow(beta1, step))),
        (float) (1 / (1 - Math.pow(beta2, step))),
        (float) eps,
        (float) weightDecay);
  }

  // ------------------------------------------------------------------------------------ plumbing

  /** Frees the buffers these kernels allocated (uploads, scratch, tables); not the device. */
  @Override
  public void close() {
    ints.close();
    floatUploads.forEach(f -> f.buffer.close());
    floatUploads.clear();
    for (SinusoidTable t : sinusoids.values()) {
      t.buffer().close();
    }
    sinusoids.clear();
    if (scratch != null) {
      scratch.close();
      scratch = null;
      scratchFloats = 0;
    }
    if (none != null) {
      none.close();
      none = null;
    }
  }

  private Device.Kernel kernel(String name) {
    Device.Kernel k = kernels.get(name);
    if (k == null) {
      if (library == null) {
        library = device.build(KernelSource.library(), "");
      }
      k = library.kernel(name);
      kernels.put(name, k);
    }
    return k;
  }

  /** A 1-D launch of {@code items} work items in groups of {@code group} (nothing for none). */
  private void launch(String name, long items, int group, Object... args) {
    if (items <= 0) {
      return;
    }
    kernel(name).launch(new long[] {groups(items, group) * group}, new long[] {group}, args);
  }

  /** One work-group of {@link #ROW} items per row. */
  private void launchRows(String name, int rows, Object... args) {
    if (rows <= 0) {
      return;
    }
    kernel(name).launch(new long[] {(long) rows * ROW}, new long[] {ROW}, args);
  }

  /**
   * A scratch buffer of at least {@code floats} floats, for partial sums within one call; launches are
   * ordered, so calls can share it. Growing waits for queued work before freeing the old one.
   */
  private Device.Buffer scratch(long floats) {
    if (scratch == null || scratchFloats < floats) {
      if (scratch != null) {
        device.finish();
        scratch.close();
      }
      scratchFloats = Math.max(floats, 2 * scratchFloats);
      scratch = device.allocate(scratchFloats * Float.BYTES);
    }
    return scratch;
  }

  /** Stands in for an absent optional buffer (kernels take a flag beside it and never read it). */
  private Device.Buffer orNone(Device.Buffer b) {
    if (b != null) {
      return b;
    }
    if (none == null) {
      none = device.allocate(16);
    }
    return none;
  }

  private record SinusoidTable(Device.Buffer buffer, int rows) {}

  /** The device table of sinusoidal encodings for {@code dim} with at least {@code rows} rows. */
  private Device.Buffer sinusoidTable(int rows, int dim) {
    SinusoidTable t = sinusoids.get(dim);
    if (t == null || t.rows() < rows) {
      int n = Math.max(rows, t == null ? 64 : 2 * t.rows());
      float[] host = new float[n * dim];
      Kernels32.sinusoidalFrom(0, n, dim, host, 0);
      if (t != null) {
        device.finish();
        t.buffer().close();
      }
      Device.Buffer buffer = device.allocate((long) n * dim * Float.BYTES);
      device.write(buffer, 0, host, 0, host.length);
      t = new SinusoidTable(buffer, n);
      sinusoids.put(dim, t);
    }
    return t.buffer();
  }

  private static int flag(boolean b) {
    return b ? 1 : 0;
  }

  private static long groups(long items, long group) {
    return (items + group - 1) / group;
  }

  /** {@code ceil(p·2^24)}: dropout keeps an element iff {@code Rng.bits >>> 40} is at least this. */
  private static long dropThreshold(double p) {
    return (long) Math.ceil(p * 0x1p24);
  }

  /** The scale of kept values, {@code 1/(1-p)} (0 when everything is dropped). */
}
