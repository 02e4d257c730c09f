package dev.kiln.examples.gptannotated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The example at a small size: the held-out loss falls well below the uniform guess, and sampling
 * continues the prompt.
 */
class MainTest {
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
  void trainsAndSamples() {
    Main.Result r = run("--steps 60 --batch 8 --seq 64 --tokens 40 --save");
    // An untrained model is near uniform over the vocabulary: ln(80) = 4.38 nats per character.
    assertEquals(Math.log(CharGptModel.VOCAB), r.lossBefore(), 0.3);
    assertTrue(
        r.lossAfter() < r.lossBefore() - 1.0,
        "held-out loss " + r.lossBefore() + " -> " + r.lossAfter());
    assertTrue(r.sample().startsWith("Elizabeth"), r.sample());
    assertEquals("Elizabeth".length() + 40, r.sample().length());
  }
}
