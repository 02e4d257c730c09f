package dev.kiln.runtime.io.onnx;

import java.util.Arrays;

/** Primitive arrays that double as they grow, so repeated fields of any length cost linear time. */
final class Growable {
  /** The most elements one holds: the largest Java array the JVM reliably allocates. */
  static final int MAX = Integer.MAX_VALUE - 8;

  private Growable() {}

  /** The next capacity after {@code n}; callers keep {@code n} below {@link #MAX}. */
  private static int grow(int n) {
    return (int) Math.min(2L * n, MAX);
  }

  /** A growable {@code long[]}. */
  static final class Longs {
    private long[] a = new long[4];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, grow(n));
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** A growable {@code float[]}. */
  static final class Floats {
    private float[] a = new float[4];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, grow(n));
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
