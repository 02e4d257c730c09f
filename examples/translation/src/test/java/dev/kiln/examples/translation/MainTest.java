package dev.kiln.examples.translation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The example at a small size (short verses, small batches): the loss falls from its untrained
 * value past the plateau where the decoder only knows character frequencies, and both decoders
 * write text for every sentence within the length limit.
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
  void trainsAndTranslates() {
    Main.Result r = run("--steps 300 --batch 8 --seq 40 --beam 2 --text God said.");
    // Untrained, the tied embedding (scaled by sqrt(d)) makes the decoder predict its own input
    // character with confidence: the loss starts near 9.8, far above ln(96) = 4.6.
    assertTrue(
        r.lossAfter() < r.lossBefore() - 5.0,
        "held-out loss " + r.lossBefore() + " -> " + r.lossAfter());
    // Knowing only character frequencies gives about 3.6 here (with label smoothing 0.1).
    assertTrue(r.lossAfter() < 3.2, "past the character-frequency plateau: " + r.lossAfter());
    assertEquals(3, r.translations().size());
    for (Main.Translation t : r.translations()) {
      assertTrue(
          t.greedy().chars().anyMatch(Character::isLetter),
          "greedy translation of " + t.source() + ": " + t.greedy());
      assertTrue(
          t.beam().chars().anyMatch(Character::isLetter),
          "beam translation of " + t.source() + ": " + t.beam());
      assertTrue(t.greedy().length() < 40 && t.beam().length() < 40);
    }
  }
}
