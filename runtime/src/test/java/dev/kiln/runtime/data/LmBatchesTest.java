package dev.kiln.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.runtime.Tensor;
import org.junit.jupiter.api.Test;

class LmBatchesTest {
  @Test
  void sequentialReadsTheStreamInOrderLikeLlmc() {
    int[] s = new int[23];
    for (int i = 0; i < s.length; i++) {
      s[i] = i;
    }
    LmBatches b = LmBatches.sequential(TokenStream.of(s));
    // B = 2, T = 5: batches of 11 tokens from 0, 10, then (20 + 11 > 23) back to 0.
    Tensor.I32[] first = b.batch(1, 2, 5);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, first[0].data());
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, first[1].data());
    assertArrayEquals(
        new int[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, b.batch(2, 2, 5)[0].data());
    assertArrayEquals(first[0].data(), b.batch(3, 2, 5)[0].data());
  }
}
