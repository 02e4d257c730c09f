package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attention page of {@code kiln viz} in headless Chromium (Debian's {@code chromium}, which
 * {@code .ci/run} installs): the script runs to the end with no error, the model view has a heat map
 * per layer and head, the head view draws lines, and a screenshot of each view has content. Skips,
 * saying so, where no Chromium is installed.
 */
class VizBrowserTest {
  @TempDir
  Path dir;

  private static Path chromium() {
    for (String c :
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    return null;
  }

  private String run(Path browser, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        browser.toString(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        // A fresh profile per run, outside the test folder: Chromium's helpers keep writing to it
        // for a while after the browser exits, which would stall the folder's cleanup.
        "--user-data-dir=" + Files.createTempDirectory("kiln-viz-chromium")));
    cmd.addAll(List.of(args));
    // Output to a file, not a pipe: Chromium's helper processes can hold a pipe open long after the
    // browser itself has exited.
    Path out = Files.createTempFile("kiln-viz-chromium", ".out");
    Process p = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "chromium did not finish");
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  @Test
  void pageLoadsWithoutErrorsAndEveryViewRenders() throws Exception {
    Path browser = chromium();
    assumeTrue(
        browser != null,
        "no Chromium installed (apt-get install chromium): the page's browser test skips");
    Path page = dir.resolve("attention.html");
    Cli.Result r = Cli.run(
        "viz",
        "--model",
        "bert-tiny",
        "--text",
        "The <script>alert(1)</script> cat sat.",
        "--text-b",
        "It was happy.",
        "--out",
        page.toString());
    assertEquals(0, r.exit(), r.err());

    String dom = run(browser, "--dump-dom", page.toUri().toString());
    assertTrue(
        dom.contains("data-ready=\"true\""),
        "the page's script ran to the end:\n" + dom.substring(0, Math.min(2000, dom.length())));
    assertFalse(
        dom.contains("data-error=\""),
        () -> "a script error: "
            + dom.substring(
                dom.indexOf("data-error=\""),
                Math.min(dom.length(), dom.indexOf("data-error=\"") + 300)));
    assertEquals(
        2 * 4, dom.split("<canvas", -1).length - 1, "one heat map per layer and head (2 x 4)");
    assertTrue(dom.contains("<line"), "the head view draws attention lines");
    assertTrue(
        dom.contains("&lt;script&gt;") || dom.contains(">script<"),
        "the prompt's <script> shows as text");
    assertFalse(dom.contains("<script>alert"), "the prompt never becomes markup");

    for (String view : List.of("headview", "grid", "detail")) {
      Path shot = dir.resolve(view + ".png");
      run(browser, "--window-size=1000,700", "--screenshot=" + shot, page.toUri() + "#" + view);
      BufferedImage img = ImageIO.read(shot.toFile());
      assertTrue(img != null && img.getWidth() > 0, view + ": a screenshot");
      int first = img.getRGB(0, 0);
      boolean varied = false;
      for (int y = 0; y < img.getHeight() && !varied; y += 7) {
        for (int x = 0; x < img.getWidth() && !varied; x += 7) {
          varied = img.getRGB(x, y) != first;
        }
      }
      assertTrue(varied, view + ": the screenshot is not blank");
    }
  }
}
