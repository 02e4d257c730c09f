package dev.kiln.runtime.tokenize;

import java.util.Arrays;

/** A binary min-heap of longs, so BPE can queue merges without boxing each one. */
final class LongHeap {
  private long[] values;
  private int size;

  LongHeap(int capacity) {
    values = new long[Math.max(capacity, 4)];
  }

  boolean isEmpty() {
    return size == 0;
  }

  long peek() {
    return values[0];
  }

  void push(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    int i = size++;
    while (i > 0 && values[(i - 1) / 2] > value) {
      values[i] = values[(i - 1) / 2];
      i = (i - 1) / 2;
    }
    values[i] = value;
  }

  long pop() {
    long top = values[0];
    long last = values[--size];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && values[child + 1] < values[child]) {
        child++;
      }
      if (values[child] >= last) {
        break;
      }
      values[i] = values[child];
      i = child;
    }
    values[i] = last;
    return top;
  }
}
