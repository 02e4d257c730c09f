package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;

/**
 * Windows of a token stream for causal language modelling: {@code tokens[b, t] = s[o + t]},
 * {@code targets[b, t] = s[o + t + 1]}. By default each row starts at a random offset {@code o};
 * {@link #sequential} instead reads the stream in order as llm.c's unshuffled data loader does (batch
 * {@code k} is the {@code B·T + 1} tokens from {@code (k − 1)·B·T}, row {@code b} starting {@code b·T}
 * into it, back to the start when the next batch would not fit). Either way batch {@code k} is
 * always the same, so a resumed run sees the same data.
 */
public final class LmBatches {
  private final TokenStream stream;
  private final long seed;
  private final boolean sequential;

  public LmBatches(TokenStream stream, long seed) {
    this(stream, seed, false);
  }

  private LmBatches(TokenStream stream, long seed, boolean sequential) {
    this.stream = stream;
    this.seed = seed;
    this.sequential = sequential;
  }

  /** The stream in order, llm.c's layout: the same batches a C implementation reading it would see. */
  public static LmBatches sequential(TokenStream stream) {
    return new LmBatches(stream, 0, true);
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
    if (sequential) {
      long bt = (long) batch * seq;
      long fitting = (stream.size() - 1) / bt;
      if (fitting < 1) {
        throw new KilnException(
            "the data has " + stream.size() + " tokens, too few for one batch of " + batch + " x "
                + seq + " (need " + (bt + 1) + ")");
      }
      int[] buf = new int[Math.toIntExact(bt + 1)];
      stream.read(Math.floorMod(index - 1, fitting) * bt, buf, 0, buf.length);
      System.arraycopy(buf, 0, x, 0, x.length);
      System.arraycopy(buf, 1, y, 0, y.length);
      return new Tensor.I32[] {
        new Tensor.I32(new int[] {batch, seq}, x), new Tensor.I32(new int[] {batch, seq}, y)
      };
    }
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
