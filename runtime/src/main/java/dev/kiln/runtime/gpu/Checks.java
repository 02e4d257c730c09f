package dev.kiln.runtime.gpu;

import dev.kiln.runtime.cpu.Shared;

/**
 * The CPU kernels' id and target checks ({@link Shared}), made on the host before a launch (a kernel
 * cannot throw) against the host copy that {@link DeviceKernels#ints} kept of the buffer.
 */
final class Checks {
  private Checks() {}

  /** {@code ids} is the host copy of the ids buffer, or null when it is not known (not checked). */
  static void checkIds(int n, int[] ids, int idsOff, int vocab) {
    if (ids == null) {
      return;
    }
    checkSpan(n, ids, idsOff, "ids");
    Shared.checkIds(n, ids, idsOff, vocab);
  }

  static void checkTargets(int rows, int V, int[] targets, int tOff, int ignoreIndex) {
    if (targets == null) {
      return;
    }
    checkSpan(rows, targets, tOff, "targets");
    Shared.checkTargets(rows, V, targets, tOff, ignoreIndex);
  }

  private static void checkSpan(int n, int[] host, int off, String what) {
    if (off < 0 || n < 0 || (long) off + n > host.length) {
      throw new IllegalArgumentException(what + " [" + off + ", " + ((long) off + n)
          + ") run past the uploaded array of length " + host.length);
    }
  }
}
