package dev.kiln.runtime.cpu;

import dev.kiln.runtime.mask.Mask;

/**
 * Argument checks and small scalar helpers shared by the float and double kernels; the checks are
 * public so that the device kernels ({@code dev.kiln.runtime.gpu}) raise the same errors.
 */
public final class Shared {
  private Shared() {}

  public static void checkIds(int n, int[] ids, int idsOff, int vocab) {
    for (int i = 0; i < n; i++) {
      int id = ids[idsOff + i];
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("token id " + id + " at position " + i
            + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
  }

  public static void checkTargets(int rows, int V, int[] targets, int tOff, int ignoreIndex) {
    for (int r = 0; r < rows; r++) {
      int t = targets[tOff + r];
      if (t != ignoreIndex && (t < 0 || t >= V)) {
        throw new IllegalArgumentException("target " + t + " in row " + r
            + " is outside the classes [0, " + V + ") and is not the ignore index " + ignoreIndex);
      }
    }
  }

  static int countValid(int rows, int[] targets, int tOff, int ignoreIndex) {
    int c = 0;
    for (int r = 0; r < rows; r++) {
      if (targets[tOff + r] != ignoreIndex) {
        c++;
      }
    }
    return c;
  }

  public static void checkP(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
    }
  }

  public static void checkStep(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("AdamW step must be >= 1, got " + step);
    }
  }

  /** Sinusoidal encoding of position {@code pos}, column {@code j}; the angle is computed in double. */
  static double sinusoid(int pos, int j, int dim) {
    double angle = pos / Math.pow(10000.0, (double) (j - (j & 1)) / dim);
    return (j & 1) == 0 ? Math.sin(angle) : Math.cos(angle);
  }

  /** The dropout scale 1/(1-p) for kept values (0 when everything is dropped). */
  public static double keepScale(double p) {
    return p >= 1 ? 0 : 1 / (1 - p);
  }

  /** First key query {@code t} may see (a null mask is {@code full}). */
  static int keyLo(Mask mask, int t, int tk) {
    return mask == null ? 0 : Math.max(0, mask.lo(t, tk));
  }

  /** One past the last key query {@code t} of batch item {@code b} may see, padding included. */
  static int keyHi(Mask mask, int t, int tk, int[] lengths, int b) {
    int hi = mask == null ? tk : Math.min(tk, mask.hi(t, tk));
    return lengths == null ? hi : Math.min(hi, lengths[b]);
  }

  /** Whether the keys in {@code [keyLo, keyHi)} need the mask's predicate at all. */
  static boolean needsPredicate(Mask mask) {
    return mask != null && !mask.exact();
  }

  /** The counter the attention dropout of probability (b, h, t, s) draws from. */
  static long attentionDropoutIndex(int b, int h, int t, int s, int H, int tq, int tk) {
    return (((long) b * H + h) * tq + t) * tk + s;
  }
}
