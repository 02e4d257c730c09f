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
  private final TokenStream stream;
  private final long seed;

  public LmBatches(TokenStream stream, long seed) {
    this.stream = stream;
    this.seed = seed;
  }

  public LmBatches(int[] stream, long seed) {
    this(TokenStream.of(stream), seed);
  }

  /** One batch: {@code [0]} the inputs, {@code [1]} the targets, both {@code [batch, seq]}. */
  public Tensor.I32[] batch(long index, int batch, int seq) {
    if (stream.size() < seq + 2) {
      throw new KilnException("the data has " + stream.size() + " tokens, too few for windows of "
          + seq + " (need at least " + (seq + 2) + ")");
    }
    int[] x = new int[batch * seq];
    int[] y = new int[batch * seq];
    int[] row = new int[seq + 1];
    long s = Rng.derive(seed, index);
    long span = stream.size() - seq - 1;
    for (int b = 0; b < batch; b++) {
      long o = Math.floorMod(Rng.bits(s, b), span);
      stream.read(o, row, 0, seq + 1);
      System.arraycopy(row, 0, x, b * seq, seq);
      System.arraycopy(row, 1, y, b * seq, seq);
    }
    return new Tensor.I32[] {
      new Tensor.I32(new int[] {batch, seq}, x), new Tensor.I32(new int[] {batch, seq}, y)
    };
  }

  public long length() {
    return stream.size();
  }
}
