package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.train.Checkpoint;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln train} killed with SIGKILL at random moments (during steps, checkpoint writes and
 * pruning), then resumed, again and again: after every kill each checkpoint on disk reads in full,
 * and the finished run's weights and optimiser state are byte-identical to an uninterrupted run's.
 */
class CrashSafetyTest {
  private static final int STEPS = 40;

  @TempDir
  Path dir;

  private static List<String> command(Path out, boolean resume) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules",
        "jdk.incubator.vector",
        "-cp",
        System.getProperty("java.class.path"),
        "dev.kiln.cli.Main",
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
        "--steps",
        Integer.toString(STEPS),
        "--batch",
        "4",
        "--seq",
        "16",
        "--checkpoint-every",
        "2",
        "--log-every",
        "1",
        "--out",
        out.toString()));
    if (System.getProperty("kiln.cache") != null) {
      cmd.add(1, "-Dkiln.cache=" + System.getProperty("kiln.cache"));
    }
    if (resume) {
      cmd.add("--resume");
    }
    return cmd;
  }

  private static Process start(List<String> cmd, Path log) throws IOException {
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  @Test
  void randomKillsNeverCorruptACheckpointOrChangeTheResult() throws Exception {
    Path reference = dir.resolve("reference");
    Process p =
        start(command(reference, false), dir.resolve("reference.log").toFile().toPath());
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "reference run timed out");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("reference.log")));

    Path run = dir.resolve("killed");
    SplittableRandom random = new SplittableRandom(2026);
    int kills = 0;
    boolean finished = false;
    List<Long> killedAt = new ArrayList<>();
    for (int attempt = 0; attempt < 12 && !finished; attempt++) {
      boolean resume = Checkpoint.latest(run) != null;
      Path log = dir.resolve("attempt-" + attempt + ".log");
      long before = metricLines(run);
      p = start(command(run, resume), log);
      // Wait until this process is training (a new metrics line), then kill it a random moment
      // later:
      // mid-step, mid-checkpoint or mid-prune.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (p.isAlive() && metricLines(run) <= before && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (p.waitFor(random.nextLong(400), TimeUnit.MILLISECONDS)) {
        assertEquals(0, p.exitValue(), Files.readString(log));
        finished = true;
      } else {
        p.destroyForcibly().waitFor(); // SIGKILL
        kills++;
        killedAt.add(metricLines(run));
        everyCheckpointReads(run);
      }
    }
    for (int attempt = 0; !finished && attempt < 3; attempt++) { // let it finish
      Path log = dir.resolve("final-" + attempt + ".log");
      p = start(command(run, Checkpoint.latest(run) != null), log);
      assertTrue(p.waitFor(5, TimeUnit.MINUTES));
      assertEquals(0, p.exitValue(), Files.readString(log));
      finished = true;
    }
    System.out.println("killed " + kills + " times, after metrics lines " + killedAt + "; final "
        + Checkpoint.latest(run));
    assertTrue(kills >= 5, "only " + kills + " kills happened");
    assertEquals(
        lossCurve(reference),
        lossCurve(run),
        "the resumed runs' metrics continue the same loss curve");
    String last = String.format("checkpoint-%07d", STEPS);
    for (String file : List.of("model.safetensors", "optimizer.safetensors")) {
      assertArrayEquals(
          Files.readAllBytes(reference.resolve(last).resolve(file)),
          Files.readAllBytes(run.resolve(last).resolve(file)),
          file + " of the killed-and-resumed run differs from the uninterrupted run's");
    }
  }

  /** (step, loss) per line of metrics.jsonl, in file order. */
  private static List<String> lossCurve(Path run) throws IOException {
    return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
        .map(l -> l.replaceAll(".*\"step\":(\\d+),\"loss\":([^,]+),.*", "$1 $2"))
        .toList();
  }

  /** Steps logged so far (resumed runs append, so this counts repeated steps too). */
  private static long metricLines(Path run) throws IOException {
    Path m = run.resolve("metrics.jsonl");
    if (!Files.exists(m)) {
      return 0;
    }
    try (var lines = Files.lines(m)) {
      return lines.count();
    }
  }

  /** Every checkpoint folder present reads completely: both tensor files and the state. */
  private static void everyCheckpointReads(Path run) throws IOException {
    if (!Files.isDirectory(run)) {
      return;
    }
    try (var s = Files.list(run)) {
      for (Path c :
          s.filter(x -> x.getFileName().toString().startsWith("checkpoint-")).toList()) {
        if (!Files.exists(c.resolve("state.json"))) {
          throw new AssertionError(
              "checkpoint folder without state: " + c + " " + List.of(c.toFile().list()));
        }
        Json.parse(Files.readString(c.resolve("state.json")));
        Safetensors.readAll(c.resolve("model.safetensors"));
        Safetensors.readAll(c.resolve("optimizer.safetensors"));
      }
    }
    Path latest = Checkpoint.latest(run);
    assertTrue(
        latest == null || Files.isRegularFile(latest.resolve("state.json")),
        String.valueOf(latest));
    assertTrue(new File(run.toFile(), ".").exists());
  }
}
