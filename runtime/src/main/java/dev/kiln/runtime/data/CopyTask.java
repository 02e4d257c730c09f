package dev.kiln.runtime.data;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;

/**
 * A synthetic sequence task for tests and smoke runs: each row is random tokens whose second half
 * repeats the first half, so a causal model that learns to copy drives the loss on the second half
 * towards zero while the first half stays at log(vocab).
 */
public final class CopyTask {
  private CopyTask() {}

  /** {@code [0]} inputs and {@code [1]} next-token targets, {@code [batch, seq]}, tokens in [0, vocab). */
  public static Tensor.I32[] batch(long seed, long index, int batch, int seq, int vocab) {
    int[] x = new int[batch * seq];
    int[] y = new int[batch * seq];
    int half = (seq + 1) / 2;
    long s = Rng.derive(seed, index);
    for (int b = 0; b < batch; b++) {
      int[] row = new int[seq + 1];
      for (int t = 0; t <= seq; t++) {
        row[t] = t < half
            ? (int) Math.floorMod(Rng.bits(s, (long) b * (seq + 1) + t), (long) vocab)
            : row[t - half];
      }
      System.arraycopy(row, 0, x, b * seq, seq);
      System.arraycopy(row, 1, y, b * seq, seq);
    }
    return new Tensor.I32[] {
      new Tensor.I32(new int[] {batch, seq}, x), new Tensor.I32(new int[] {batch, seq}, y)
    };
  }
}
