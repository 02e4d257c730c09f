package dev.kiln.runtime.cpu;

/**
 * An element-wise function that {@link Kernels32#linear} (and its float64 twin) applies to each block
 * of its output while that block is still in cache, instead of in a pass of its own.
 */
public enum Activation {
  /** Bias only: the output is {@code x·W + b}. */
  NONE,
  /** {@code max(x, 0)}. */
  RELU,
  /** Exact GELU, {@code x·Φ(x)}. */
  GELU,
  /** GELU with the tanh approximation (GPT-2's). */
  GELU_TANH
}
