package dev.kiln.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./kiln bench NAME}: runs Kiln and a reference on the same work in one process, at least five
 * times each, prints every measurement and ends with one line
 * {@code NAME: kiln=<median> <unit> ref=<median> <unit> ratio=<kiln/ref as throughput>}.
 *
 * <p>Implemented: {@code kernels} (matrix multiply against OpenBLAS), {@code processor} (javac with
 * and without Kiln's processor on the whole standard library) and {@code attention-scaling} (banded
 * against dense causal attention). The others of the performance issue ({@code train-gpt2},
 * {@code generate-gpt2}, {@code encoder-bert}) are not written yet and say so.
 */
public final class Bench {
  private Bench() {}

  static final List<String> PLANNED = List.of("train-gpt2", "generate-gpt2", "encoder-bert");

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "";
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    switch (name) {
      case "kernels" -> KernelsBench.run(Math.max(5, runs));
      case "processor" -> ProcessorBench.run(Math.max(5, runs));
      case "attention-scaling" -> AttentionScalingBench.run(Math.max(5, runs));
      default -> {
        System.err.println(
            PLANNED.contains(name)
                ? "kiln bench: '" + name
                    + "' is not written yet (see the README's benchmark section)"
                : "usage: ./kiln bench NAME [RUNS]   NAME: kernels, processor, attention-scaling ("
                    + String.join(", ", PLANNED) + ": not yet)");
        System.exit(2);
      }
    }
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static void summary(String name, double kiln, double ref, String unit) {
    System.out.printf(
        Locale.ROOT,
        "%s: kiln=%.1f %s ref=%.1f %s ratio=%.2f%n",
        name,
        kiln,
        unit,
        ref,
        unit,
        kiln / ref);
  }
}
