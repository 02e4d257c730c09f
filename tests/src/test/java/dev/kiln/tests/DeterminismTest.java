package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.TinyGpt2Model;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training is bit-reproducible whatever the JIT has compiled: a run in this (warm) JVM and the same
 * run in a fresh JVM restricted to the interpreter ({@code -Xint}, where the Vector API runs its Java
 * fallback) write byte-identical checkpoints. This is what lets {@code --resume} in a new process
 * continue an interrupted run exactly.
 */
class DeterminismTest {
  @TempDir
  Path dir;

  /** Three AdamW steps of the stdlib's tiny GPT-2 (dropout on) on seeded random tokens into {@code args[0]}. */
  public static void main(String[] args) {
    TinyGpt2Model m = new TinyGpt2Model();
    m.initialize(5);
    int[] stream = new int[4096];
    for (int i = 0; i < stream.length; i++) {
      stream[i] = (i * 7919 + i / 13) % 61;
    }
    LmBatches data = new LmBatches(stream, 3);
    AdamW opt = new AdamW(m, AdamW.Config.defaults(1e-3));
    Trainer.Settings s =
        new Trainer.Settings(3, 1e-3, new Schedule.Constant(), 1.0, 1, 3, Path.of(args[0]), 1);
    new Trainer(m, opt, s, System.err)
        .run(
            k -> {
              Tensor.I32[] b = data.batch(k, 2, 8);
              return Map.of("tokens", b[0], "targets", b[1]);
            },
            0);
  }

  @Test
  void interpretedAndCompiledRunsWriteIdenticalCheckpoints()
      throws IOException, InterruptedException {
    Path warm = dir.resolve("warm");
    for (int i = 0; i < 3; i++) { // warm the JIT up on the same work first
      main(new String[] {dir.resolve("warmup" + i).toString()});
    }
    main(new String[] {warm.toString()});

    Path cold = dir.resolve("cold");
    Process p = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xint",
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            DeterminismTest.class.getName(),
            cold.toString())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);

    for (String file : List.of("model.safetensors", "optimizer.safetensors")) {
      assertArrayEquals(
          Files.readAllBytes(warm.resolve("checkpoint-0000003").resolve(file)),
          Files.readAllBytes(cold.resolve("checkpoint-0000003").resolve(file)),
          file + " differs between the JIT-compiled and the interpreted run");
    }
  }
}
