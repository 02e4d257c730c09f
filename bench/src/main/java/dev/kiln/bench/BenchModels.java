package dev.kiln.bench;

import dev.kiln.dsl.annotation.Model;

/**
 * The models the benchmarks compile with Kiln's processor, from the standard library's model files,
 * as a user's build would: GPT-2 124M with dropout off ({@code p=0}), so that a training step does
 * the same work as the reference's (which has no dropout) and the losses can be compared.
 */
final class BenchModels {
  private BenchModels() {}

  /** GPT-2 124M (12 layers, 768 wide, 12 heads, vocab 50257, ctx 1024): {@code Gpt2SmallModel}. */
  @Model(source = "gpt2.model", name = "Gpt2", config = "p=0")
  interface Gpt2Small {}
}
