package dev.kiln.bench;

/** Placeholder. */
final class TrainGpt2Bench {
  private TrainGpt2Bench() {}

  static void run(int runs, int batch, int seq) {
    throw new UnsupportedOperationException("train-gpt2 " + runs + batch + seq);
  }
}
