package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job through the CLI: stdlib models train on bundled data, resume exactly, generate and evaluate. */
class MainJobTest {
  @TempDir
  static Path cache;

  @TempDir
  Path dir;

  static final Path CORPUS = Path.of("../stdlib-models/src/main/resources/dev/kiln/stdlib/corpus");

  @BeforeAll
  static void isolateCache() {
    System.setProperty("kiln.cache", cache.toString());
  }

  private static List<String> losses(Path out) throws IOException {
    return Files.readAllLines(out.resolve("metrics.jsonl")).stream()
        .map(l -> l.replaceAll(".*\"loss\":([^,]+),.*", "$1"))
        .toList();
  }

  @Test
  void anInterruptedRunResumesWithIdenticalLosses() throws IOException {
    String[] common = {
      "train",
      "--model",
      "gpt2-tiny",
      "--set",
      "vocab=50257",
      "--data",
      CORPUS.resolve("austen-persuasion.txt").toString(),
      "--steps",
      "12",
      "--batch",
      "2",
      "--seq",
      "16",
      "--checkpoint-every",
      "4",
      "--lr",
      "3e-3",
      "--warmup",
      "3"
    };
    Path whole = dir.resolve("whole");
    Path parts = dir.resolve("parts");
    assertEquals(0, Cli.run(concat(common, "--out", whole.toString())).exit());
    Cli.Result first = Cli.run(concat(common, "--out", parts.toString(), "--stop-at", "8"));
    assertEquals(0, first.exit(), first.err());
    Cli.Result resumed = Cli.run("train", "--out", parts.toString(), "--resume");
    assertEquals(0, resumed.exit(), resumed.err());
    assertTrue(Files.exists(parts.resolve("loss.html")), "train writes its plot");
    assertTrue(resumed.err().contains("resuming from"), resumed.err());
    assertEquals(
        losses(whole), losses(parts), "the loss curve continues identically after --resume");
    assertEquals(12, losses(parts).size());
  }

  @Test
  void bertPretrainsAndFillsMasks() {
    Path out = dir.resolve("bert");
    Cli.Result r = Cli.run(
        "train",
        "--model",
        "bert-tiny",
        "--data",
        CORPUS.resolve("austen-persuasion.txt").toString(),
        "--steps",
        "6",
        "--batch",
        "2",
        "--seq",
        "32",
        "--out",
        out.toString());
    assertEquals(0, r.exit(), r.err());
    Cli.Result g = Cli.run(
        "generate", "--checkpoint", out.toString(), "--prompt", "she was [MASK] to see him");
    assertEquals(0, g.exit(), g.err());
    assertTrue(g.out().startsWith("[MASK] at "), g.out());
  }

  @Test
  void encoderDecoderTrainsOnPairsAndTranslates() {
    Path out = dir.resolve("mt");
    Cli.Result r = Cli.run(
        "train",
        "--model",
        "transformer-tiny",
        "--data",
        CORPUS.resolve("bible-web-rv1909-en-es-short.tsv").toString(),
        "--steps",
        "4",
        "--batch",
        "2",
        "--seq",
        "24",
        "--out",
        out.toString());
    assertEquals(0, r.exit(), r.err());
    Cli.Result g = Cli.run(
        "generate",
        "--checkpoint",
        out.toString(),
        "--prompt",
        "In the beginning",
        "--tokens",
        "8",
        "--beam",
        "2");
    assertEquals(0, g.exit(), g.err());
  }

  @Test
  void causalModelsGenerateAndEvaluate() {
    Path out = dir.resolve("lm");
    assertEquals(
        0,
        Cli.run(
                "train",
                "--model",
                "gpt3-tiny",
                "--set",
                "vocab=50257",
                "--data",
                CORPUS.resolve("austen-persuasion.txt").toString(),
                "--steps",
                "3",
                "--batch",
                "2",
                "--seq",
                "16",
                "--out",
                out.toString())
            .exit());
    Cli.Result g = Cli.run(
        "generate",
        "--checkpoint",
        out.toString(),
        "--prompt",
        "Anne",
        "--tokens",
        "5",
        "--seed",
        "3");
    assertEquals(0, g.exit(), g.err());
    assertTrue(g.out().startsWith("Anne"), g.out());
    Cli.Result e = Cli.run("eval", "--checkpoint", out.toString(), "--batches", "2");
    assertEquals(0, e.exit(), e.err());
    assertTrue(e.out().startsWith("eval: loss "), e.out());
  }

  @Test
  void badInputsAreClearErrors() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty.txt"), "");
    Path binary = Files.write(dir.resolve("bin.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
    assertTrue(Cli.run("train", "--model", "gpt2-tiny", "--data", empty.toString())
        .err()
        .contains("empty.txt: the data file is empty"));
    assertTrue(Cli.run("train", "--model", "gpt2-tiny", "--data", binary.toString())
        .err()
        .contains("bin.txt: not UTF-8 text"));
    assertTrue(Cli.run("train", "--model", "gpt2-tooth")
        .err()
        .contains("no model file or standard-library model 'gpt2-tooth'"));
    assertTrue(Cli.run(
            "train",
            "--model",
            "gpt2-tiny",
            "--tokenizer",
            "bert",
            "--set",
            "vocab=100",
            "--data",
            CORPUS.resolve("austen-persuasion.txt").toString())
        .err()
        .contains(
            "tokenizer bert-wordpiece has 30522 tokens, more than the model's vocabulary of 100"));
    assertTrue(Cli.run("train", "--out", dir.resolve("none").toString(), "--resume")
        .err()
        .contains("--resume: no checkpoint in"));

    // A checkpoint only resumes its own configuration, and only with its own tokenizer.
    Path run = dir.resolve("small");
    String[] small = {
      "--model",
      "gpt2-tiny",
      "--tokenizer",
      "char",
      "--data",
      CORPUS.resolve("austen-persuasion.txt").toString(),
      "--batch",
      "2",
      "--seq",
      "16",
      "--out",
      run.toString()
    };
    assertEquals(
        0,
        Cli.run(concat(concat(new String[] {"train"}, small), "--steps", "2")).exit());
    assertTrue(
        Cli.run("train", "--out", run.toString(), "--resume", "--steps", "4", "--set", "d=32")
            .err()
            .contains("was trained with the model's default d, not d=32"));
    assertTrue(
        Cli.run("generate", "--checkpoint", run.toString(), "--tokenizer", "gpt2", "--prompt", "hi")
            .err()
            .contains("was trained with tokenizer char, not gpt2"));

    // Token ids outside the model's vocabulary.
    Path tokens = dir.resolve("big.tok");
    dev.kiln.runtime.data.TokenFile.write(tokens, new int[] {1, 2, 70000, 3, 4, 5, 6, 7, 8, 9});
    String err = Cli.run(
            "train",
            "--model",
            "gpt2-tiny",
            "--data",
            tokens.toString(),
            "--steps",
            "1",
            "--batch",
            "1",
            "--seq",
            "4")
        .err();
    assertTrue(err.contains("70000") && err.contains("vocabulary"), err);
  }

  @Test
  void bertClassifierGivesClassProbabilities() {
    Path out = dir.resolve("classifier");
    Cli.Result t = Cli.run(
        "train",
        "--model",
        "bert-classifier",
        "--set",
        "layers=1",
        "--set",
        "d=32",
        "--set",
        "heads=2",
        "--set",
        "ff=64",
        "--set",
        "ctx=64",
        "--set",
        "classes=3",
        "--steps",
        "2",
        "--batch",
        "2",
        "--seq",
        "16",
        "--out",
        out.toString());
    assertEquals(0, t.exit(), t.err());
    Cli.Result g = Cli.run(
        "generate",
        "--checkpoint",
        out.toString(),
        "--prompt",
        "A fine day.",
        "--prompt-b",
        "It rained.");
    assertEquals(0, g.exit(), g.err());
    String line = g.out().strip();
    assertTrue(line.startsWith("class probabilities:"), line);
    double sum = 0;
    for (String part : line.substring(line.indexOf(':') + 1).trim().split("\\s+\\d+: |^\\d+: ")) {
      if (!part.isBlank()) {
        sum += Double.parseDouble(part.trim());
      }
    }
    assertEquals(1.0, sum, 1e-3, line);
  }

  @Test
  void aDivergingRunStopsNamingTheStepAndKeepsItsLastCheckpoint() throws IOException {
    Path out = dir.resolve("diverge");
    Cli.Result r = Cli.run(
        "train",
        "--model",
        "gpt2-tiny",
        "--set",
        "layers=1",
        "--set",
        "vocab=64",
        "--tokenizer",
        "char",
        "--data",
        "synthetic",
        "--lr",
        "1e30",
        "--clip",
        "0",
        "--warmup",
        "0",
        "--steps",
        "30",
        "--batch",
        "2",
        "--seq",
        "8",
        "--checkpoint-every",
        "1",
        "--out",
        out.toString());
    assertEquals(1, r.exit());
    assertTrue(
        r.err()
            .matches(
                "(?s).*the loss is (NaN|Infinity) at step \\d+ \\((first non-finite parameter: |every parameter is finite; the largest).*"),
        r.err());
    Path last = dev.kiln.runtime.train.Checkpoint.latest(out);
    assertTrue(last != null, "the checkpoint before the blow-up is kept");
    dev.kiln.runtime.io.Safetensors.readAll(last.resolve("model.safetensors"));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
