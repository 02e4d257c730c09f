package dev.kiln.runtime.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar with loss, learning rate, tokens/s and ETA, redrawn in place on a
 * terminal; on a pipe or in CI it prints a plain line every {@code every} steps instead.
 */
public final class Progress {
  private final PrintStream out;
  private final long total;
  private final boolean terminal;
  private final int every;
  private final long start = System.nanoTime();
  private long lastDraw;

  // System.console() is still null where no console exists at all (its javadoc), hence the check.
  @SuppressWarnings("SystemConsoleNull")
  public Progress(PrintStream out, long total, int every) {
    this.out = out;
    this.total = total;
    this.terminal =
        System.console() != null && System.console().isTerminal() && System.getenv("CI") == null;
    this.every = Math.max(1, every);
  }

  public void update(long step, long firstStep, double loss, double lr, double tokensPerSecond) {
    long now = System.nanoTime();
    double elapsed = (now - start) / 1e9;
    double perStep = elapsed / Math.max(1, step - firstStep + 1);
    long eta = Math.round(perStep * (total - step));
    String stats = String.format(
        Locale.ROOT,
        "step %d/%d  loss %.4f  lr %.2e  %,.0f tok/s  ETA %d:%02d",
        step,
        total,
        loss,
        lr,
        tokensPerSecond,
        eta / 60,
        eta % 60);
    if (terminal) {
      if (now - lastDraw > 100_000_000L || step == total) {
        int width = 24;
        int filled = (int) (width * step / Math.max(1, total));
        out.print("\r[" + "=".repeat(filled) + (filled < width ? ">" : "")
            + " ".repeat(Math.max(0, width - filled - 1)) + "] " + stats + "   ");
        out.flush();
        lastDraw = now;
      }
      if (step == total) {
        out.println();
      }
    } else if (step % every == 0 || step == total || step == firstStep) {
      out.println(stats);
    }
  }
}
