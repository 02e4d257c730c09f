package dev.kiln.runtime.tokenize;

import java.util.Arrays;

/** A growable int array, so encoders need not box every id. */
final class IntArray {
  private int[] values;
  private int size;

  IntArray(int capacity) {
    values = new int[Math.max(capacity, 8)];
  }

  void add(int value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  void addAll(int[] more) {
    if (size + more.length > values.length) {
      values = Arrays.copyOf(values, Math.max(size * 2, size + more.length));
    }
    System.arraycopy(more, 0, values, size, more.length);
    size += more.length;
  }

  int size() {
    return size;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
