package dev.kiln.runtime.gpu;

/**
 * The argument checks of the CPU kernels, with the CPU's messages, made on the host before a launch
 * (a kernel cannot throw). Token ids and targets are checked against the host copy that {@link
 * DeviceKernels#ints} kept of their buffer.
 */
final class Checks {
  private Checks() {}

  static void checkP(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
    }
  }

  static void checkStep(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("AdamW step must be >= 1, got " + step);
    }
  }

  /** {@code ids} is the host copy of the ids buffer, or null when it is not known (not checked). */
  static void checkIds(int n, int[] ids, int idsOff, int vocab) {
    if (ids == null) {
      return;
    }
    checkSpan(n, ids, idsOff, "ids");
    for (int i = 0; i < n; i++) {
      int id = ids[idsOff + i];
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("token id " + id + " at position " + i
            + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
  }

  static void checkTargets(int rows, int V, int[] targets, int tOff, int ignoreIndex) {
    if (targets == null) {
      return;
    }
    checkSpan(rows, targets, tOff, "targets");
    for (int r = 0; r < rows; r++) {
      int t = targets[tOff + r];
      if (t != ignoreIndex && (t < 0 || t >= V)) {
        throw new IllegalArgumentException("target " + t + " in row " + r
            + " is outside the classes [0, " + V + ") and is not the ignore index " + ignoreIndex);
      }
    }
  }

  private static void checkSpan(int n, int[] host, int off, String what) {
    if (off < 0 || n < 0 || (long) off + n > host.length) {
      throw new IllegalArgumentException(what + " [" + off + ", " + ((long) off + n)
          + ") run past the uploaded array of length " + host.length);
    }
  }
}
