package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;

/**
 * Random windows of a token stream for causal language modelling: {@code tokens[b, t] = s[o + t]},
 * {@code targets[b, t] = s[o + t + 1]} for a random offset {@code o} per row. Batch {@code k} of a
 * seed is always the same, so a resumed run sees the same data.
 */
public final class LmBatches {
  private final int[] stream;
  private final long seed;

  public LmBatches(int[] stream, long seed) {
    this.stream = stream;
    this.seed = seed;
  }

  /** One batch: {@code [0]} the inputs, {@code [1]} the targets, both {@code [batch, seq]}. */
  public Tensor.I32[] batch(long index, int batch, int seq) {
    if (stream.length < seq + 2) {
      throw new KilnException("the data has " + stream.length + " tokens, too few for windows of " + seq + " (need at least " + (seq + 2) + ")");
    }
    int[] x = new int[batch * seq];
    int[] y = new int[batch * seq];
    long s = Rng.derive(seed, index);
    int span = stream.length - seq - 1;
    for (int b = 0; b < batch; b++) {
      int o = (int) Math.floorMod(Rng.bits(s, b), (long) span);
      System.arraycopy(stream, o, x, b * seq, seq);
      System.arraycopy(stream, o + 1, y, b * seq, seq);
    }
    return new Tensor.I32[] {new Tensor.I32(new int[] {batch, seq}, x), new Tensor.I32(new int[] {batch, seq}, y)};
  }

  public int length() {
    return stream.length;
  }
}
