package dev.kiln.runtime.model;

import dev.kiln.runtime.mask.Mask;

/**
 * One attention layer of a generated model as it stands after the last forward pass: where its
 * queries, keys and values live, its sizes, scale, mask and padding lengths. Generated models list
 * them in {@link FloatModel#attentionSites()} when {@link FloatModel#captureAttention} is on; the
 * queries and keys are copies taken as the layer ran.
 *
 * <p>Layouts as in the fused kernel: {@code q[b, t, h, :]} at {@code qOff + (b·Tq + t)·qStride + h·dh},
 * keys likewise with {@code Tk}.
 */
public record AttentionSite(
    String name,
    int batch,
    int tq,
    int tk,
    int heads,
    int headDim,
    float[] q,
    int qOff,
    int qStride,
    float[] k,
    int kOff,
    int kStride,
    double scale,
    Mask mask,
    int[] lengths) {

  /**
   * A site holding copies of the queries and keys, taken from the live buffers as the layer runs
   * (generated code calls this only when capture is on).
   */
  public static AttentionSite copy(
      String name,
      int batch,
      int tq,
      int tk,
      int heads,
      int headDim,
      float[] q,
      int qOff,
      int qStride,
      float[] k,
      int kOff,
      int kStride,
      double scale,
      Mask mask,
      int[] lengths) {
    int width = heads * headDim;
    float[] qc = new float[batch * tq * width];
    for (int r = 0; r < batch * tq; r++) {
      System.arraycopy(q, qOff + r * qStride, qc, r * width, width);
    }
    float[] kc = new float[batch * tk * width];
    for (int r = 0; r < batch * tk; r++) {
      System.arraycopy(k, kOff + r * kStride, kc, r * width, width);
    }
    return new AttentionSite(
        name,
        batch,
        tq,
        tk,
        heads,
        headDim,
        qc,
        0,
        width,
        kc,
        0,
        width,
        scale,
        mask,
        lengths == null ? null : lengths.clone());
  }

  /** The query vector of position {@code t}, head {@code h}, batch item {@code b}. */
  public float[] query(int b, int t, int h) {
    float[] out = new float[headDim];
    System.arraycopy(q, qOff + (b * tq + t) * qStride + h * headDim, out, 0, headDim);
    return out;
  }

  /** The key vector of position {@code s}. */
  public float[] key(int b, int s, int h) {
    float[] out = new float[headDim];
    System.arraycopy(k, kOff + (b * tk + s) * kStride + h * headDim, out, 0, headDim);
    return out;
  }

  /** Whether query {@code t} of item {@code b} may see key {@code s} (mask and padding). */
  public boolean visible(int b, int t, int s) {
    return (mask == null || mask.visible(t, s)) && (lengths == null || s < lengths[b]);
  }

  /**
   * The attention probabilities of item {@code b}, head {@code h}: {@code [tq][tk]}, each row the
   * softmax of {@code scale·q·k} over the visible keys (zero elsewhere), recomputed in double from
   * the stored queries and keys (dropout is not applied: inspect a model in eval mode).
   */
  public double[][] probabilities(int b, int h) {
    double[][] p = new double[tq][tk];
    for (int t = 0; t < tq; t++) {
      float[] qv = query(b, t, h);
      double max = Double.NEGATIVE_INFINITY;
      for (int s = 0; s < tk; s++) {
        if (!visible(b, t, s)) {
          p[t][s] = Double.NEGATIVE_INFINITY;
          continue;
        }
        float[] kv = key(b, s, h);
        double dot = 0;
        for (int i = 0; i < headDim; i++) {
          dot += (double) qv[i] * kv[i];
        }
        p[t][s] = scale * dot;
        max = Math.max(max, p[t][s]);
      }
      double sum = 0;
      for (int s = 0; s < tk; s++) {
        p[t][s] = p[t][s] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(p[t][s] - max);
        sum += p[t][s];
      }
      for (int s = 0; s < tk && sum > 0; s++) {
        p[t][s] /= sum;
      }
    }
    return p;
  }
}
