package dev.kiln.examples.bertmlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The example at a small size: the masked-LM loss falls from the uniform guess, and each [MASK]
 * gets a ranked top 5.
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
  void pretrainsAndFillsMasks() {
    Main.Result r =
        run("--steps 40 --batch 8 --seq 32 --lr 2e-3 --text It is a truth universally [MASK],"
            + " that a single man must be in want of a [MASK].");
    // Untrained, all 30,522 WordPiece tokens are about equally likely: ln(30522) = 10.33.
    assertEquals(Math.log(SmallBertModel.VOCAB), r.lossBefore(), 0.3);
    assertTrue(
        r.lossAfter() < r.lossBefore() - 2.0,
        "held-out loss " + r.lossBefore() + " -> " + r.lossAfter());
    assertEquals(2, r.fills().size(), "one fill per [MASK]");
    for (Main.Fill f : r.fills()) {
      assertEquals(5, f.tokens().size());
      for (int k = 1; k < 5; k++) {
        assertTrue(f.probabilities()[k] <= f.probabilities()[k - 1], "ranked by probability");
      }
    }
  }
}
