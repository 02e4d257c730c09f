package dev.kiln.runtime;

/**
 * Incremental decoding with a KV cache, generated for causal language models: each call runs only
 * the new tokens, appending their keys and values to the cache of every attention layer, and
 * attends over everything cached before them.
 */
public interface Decoder {
  /** The longest sequence the cache holds (the model's bound on T). */
  int maxPositions();

  /** Runs {@code count} new tokens per row ({@code tokens} is [batch, count]) at positions
   * {@code pos .. pos+count-1}; returns the logits of each row's last new token, [batch, vocab].
   * Positions before {@code pos} must have been decoded by earlier calls with the same batch size. */
  float[] decode(int[] tokens, int batch, int count, int pos);
}
