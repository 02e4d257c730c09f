package dev.kiln.examples.gptmodelfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example at a small size: the held-out loss falls well below the uniform guess, both decoders
 * continue the prompt, and a resumed run starts from the checkpoint with the trained weights.
 */
class MainTest {
  @TempDir
  Path dir;

  /**
   * Runs the example as {@code ./kiln example} would: the arguments as one string, split at spaces.
   */
  private static Main.Result run(String args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Main.Result r = Main.run(
        Options.parse(args.split(" "), Main.DEFAULTS),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()));
    System.out.print(out.toString(StandardCharsets.UTF_8));
    return r;
  }

  @Test
  void trainsSamplesAndResumes() {
    String out = dir.resolve("run").toString();
    Main.Result first = run("--steps 60 --batch 8 --seq 64 --tokens 30 --out " + out);
    assertEquals(
        Math.log(BandedGptModel.VOCAB),
        first.lossBefore(),
        0.3,
        "an untrained model is near uniform");
    assertTrue(
        first.lossAfter() < first.lossBefore() - 1.0,
        "held-out loss " + first.lossBefore() + " -> " + first.lossAfter());
    assertTrue(
        first.greedy().startsWith("Anne Elliot") && first.sampled().startsWith("Anne Elliot"));
    assertEquals("Anne Elliot".length() + 30, first.greedy().length());

    Main.Result resumed =
        run("--steps 70 --batch 8 --seq 64 --tokens 5 --out " + out + " --resume");
    assertEquals(60, resumed.startStep());
    assertEquals(
        first.lossAfter(),
        resumed.lossBefore(),
        1e-9,
        "the checkpoint restores the trained weights");
  }
}
