package dev.kiln.bench;

import dev.kiln.runtime.cpu.Parallel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ./kiln bench NAME}: runs Kiln and a reference on the same work in one process, at least five
 * times each, prints every measurement and ends with one line
 * {@code NAME: kiln=<median> <unit> ref=<median> <unit> ratio=<kiln/ref as throughput>}.
 *
 * <p>Benchmarks: {@code kernels} (matrix multiply against OpenBLAS), {@code processor} (javac with
 * and without Kiln's processor on the whole standard library), {@code attention-scaling} (banded
 * against dense causal attention), {@code encoder-bert} (MiniLM against ONNX Runtime),
 * {@code train-gpt2} (a GPT-2 124M training step against PyTorch) and {@code generate-gpt2}
 * (GPT-2 124M greedy decoding with a KV cache against PyTorch and Jlama).
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "";
    int runs = args.length > 1 && !name.equals("jmh") ? Integer.parseInt(args[1]) : 5;
    switch (name) {
      case "kernels" -> KernelsBench.run(Math.max(5, runs));
      case "processor" -> ProcessorBench.run(Math.max(5, runs));
      case "attention-scaling" -> AttentionScalingBench.run(Math.max(5, runs));
      case "encoder-bert" -> EncoderBertBench.run(Math.max(5, runs));
      case "train-gpt2" ->
        TrainGpt2Bench.run(
            Math.max(5, runs), intArg(args, 2, 4, "batch"), intArg(args, 3, 64, "sequence length"));
      case "generate-gpt2" ->
        GenerateGpt2Bench.run(Math.max(5, runs), intArg(args, 2, 128, "tokens"));
      case "jmh" -> {
        // JMH micro-benchmarks of the kernels (KernelsJmh); the rest of the arguments go to JMH.
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try {
          org.openjdk.jmh.Main.main(rest.length == 0 ? new String[] {"KernelsJmh"} : rest);
        } catch (Exception e) {
          throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
        }
      }
      default -> {
        System.err.println("usage: ./kiln bench NAME [RUNS]   NAME: kernels, processor,"
            + " attention-scaling, encoder-bert, train-gpt2 [RUNS B T], generate-gpt2 [RUNS TOKENS],"
            + " jmh [JMH OPTIONS]");
        System.exit(2);
      }
    }
  }

  private static int intArg(String[] args, int i, int fallback, String what) {
    if (args.length <= i) {
      return fallback;
    }
    int v = Integer.parseInt(args[i]);
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + v);
    }
    return v;
  }

  /**
   * Threads every implementation gets: Kiln's pool size ({@code -Dkiln.threads}, else all cores),
   * also given to ONNX Runtime's and PyTorch's intra-op pools.
   */
  static int threads() {
    return Parallel.threads();
  }

  /** Where benchmarks keep files they extract or write ({@code -Dkiln.bench.dir}, else a temp folder). */
  static Path workDir() {
    String dir = System.getProperty("kiln.bench.dir");
    Path p =
        dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "kiln-bench");
    try {
      return Files.createDirectories(p.toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A classpath resource as a file under {@link #workDir()}, copied once (through a temporary file
   * and a rename, so an interrupted copy never leaves a partial file under the final name).
   */
  static Path resourceFile(String resource) {
    Path file = workDir().resolve(resource);
    try (InputStream in = Bench.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is not on the class path");
      }
      if (Files.isRegularFile(file)) {
        return file;
      }
      Path tmp = Files.createTempFile(file.getParent(), resource, ".part");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Peak resident memory of this process so far ({@code VmHWM}), e.g. "3.8 GB"; "?" off Linux. */
  static String peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.2f GB", kb / 1e6);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an unexpected format: the figure is optional
    }
    return "?";
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
