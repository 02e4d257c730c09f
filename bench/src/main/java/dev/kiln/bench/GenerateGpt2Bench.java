package dev.kiln.bench;

/** Placeholder. */
final class GenerateGpt2Bench {
  private GenerateGpt2Bench() {}

  static void run(int runs, int tokens) {
    throw new UnsupportedOperationException("generate-gpt2 " + runs + tokens);
  }
}
