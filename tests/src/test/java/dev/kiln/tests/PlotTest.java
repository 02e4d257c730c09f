package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln plot}: HTML and PNG from metrics files, runs overlaid, bad files named. */
class PlotTest {
  @TempDir
  Path dir;

  private Path run(String name, int steps, double start) throws IOException {
    Path run = Files.createDirectories(dir.resolve(name));
    StringBuilder sb = new StringBuilder();
    for (int s = 1; s <= steps; s++) {
      sb.append(String.format(
          java.util.Locale.ROOT,
          "{\"step\":%d,\"loss\":%.4f,\"lr\":%.6f,\"tokens_per_s\":%d}%n",
          s,
          start / s,
          1e-3,
          1000 + s));
    }
    // A resumed run logs steps 4 and 5 again (the later values count) and a killed one may leave
    // half a line.
    sb.append("{\"step\":4,\"loss\":0.5,\"lr\":0.001,\"tokens_per_s\":1}\n{\"step\":5,\"lo");
    Files.writeString(run.resolve("metrics.jsonl"), sb.toString());
    return run;
  }

  @Test
  void htmlOverlaysRunsAndEscapesNames() throws IOException {
    Path a = run("a<script>", 10, 4.0);
    Path b = run("b", 6, 3.0);
    Path out = dir.resolve("loss.html");
    Cli.Result r = Cli.run(
        "plot", a.toString(), b.resolve("metrics.jsonl").toString(), "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    String html = Files.readString(out);
    assertFalse(html.contains("<script>"), "run names are escaped");
    assertTrue(html.contains("a&lt;script&gt;"));
    assertEquals(6, html.split("<polyline").length - 1, "two runs × three panels");
    assertFalse(
        html.contains("http://") && html.contains("<script src"),
        "nothing is fetched at view time");
  }

  @Test
  void pngIsAnImage() throws IOException {
    Path out = dir.resolve("loss.png");
    Cli.Result r = Cli.run("plot", run("a", 20, 4.0).toString(), "--out", out.toString());
    assertEquals(0, r.exit(), r.err());
    BufferedImage img = ImageIO.read(out.toFile());
    assertEquals(900, img.getWidth());
    assertTrue(img.getHeight() > 600);
  }

  @Test
  void malformedLinesAreNamed() throws IOException {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, "{\"step\":1,\"loss\":2}\nnot json\n{\"step\":3,\"loss\":1}\n");
    Cli.Result r =
        Cli.run("plot", bad.toString(), "--out", dir.resolve("x.html").toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("bad.jsonl:2: not a JSON metrics line"), r.err());
  }
}
