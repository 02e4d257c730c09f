package dev.kiln.runtime.generate;

import dev.kiln.runtime.Tensor;

/**
 * Sentence embeddings from an encoder's hidden states: the mean over each sequence's real tokens
 * (sentence-transformers' mean pooling, padding excluded), optionally scaled to unit length so that
 * a dot product is the cosine similarity.
 */
public final class Pooling {
  private Pooling() {}

  /** {@code hidden} is [B, T, D]; row b averages positions {@code 0 ..< lengths[b]}. */
  public static float[][] meanPooled(Tensor hidden, int[] lengths, boolean normalize) {
    int[] s = hidden.shape();
    if (s.length != 3 || s[0] != lengths.length) {
      throw new IllegalArgumentException("hidden states " + Tensor.shapeString(s) + " do not match "
          + lengths.length + " lengths");
    }
    int t = s[1];
    int d = s[2];
    float[][] out = new float[lengths.length][d];
    for (int b = 0; b < lengths.length; b++) {
      int n = lengths[b];
      if (n < 1 || n > t) {
        throw new IllegalArgumentException(
            "length " + n + " of sequence " + b + " is outside 1.." + t);
      }
      double[] sum = new double[d];
      for (int j = 0; j < n; j++) {
        long base = ((long) b * t + j) * d;
        for (int c = 0; c < d; c++) {
          sum[c] += hidden.get(base + c);
        }
      }
      double norm = 0;
      for (int c = 0; c < d; c++) {
        sum[c] /= n;
        norm += sum[c] * sum[c];
      }
      double scale = normalize ? 1 / Math.max(Math.sqrt(norm), 1e-12) : 1;
      for (int c = 0; c < d; c++) {
        out[b][c] = (float) (sum[c] * scale);
      }
    }
    return out;
  }

  /** The dot product of two vectors of equal length (the cosine for unit vectors). */
  public static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
