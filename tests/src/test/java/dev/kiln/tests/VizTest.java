package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.runtime.model.AttentionSite;
import dev.kiln.runtime.viz.AttentionViz;
import dev.kiln.stdlib.TinyGpt3Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attention capture from generated models, the pattern summary, and {@code kiln viz}'s page. */
class VizTest {
  @TempDir
  Path dir;

  @Test
  void capturedAttentionIsAMaskedDistribution() {
    TinyGpt3Model m = new TinyGpt3Model(); // alternating causal and causal & band(4)
    m.initialize(3);
    m.captureAttention(true);
    int t = 12;
    m.forward(RandomInputs.make(m.spec(), java.util.Map.of("B", 1, "T", t), 5), false);
    List<AttentionSite> sites = m.attentionSites();
    assertEquals(2, sites.size());
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < t; i++) {
      tokens.add("t" + i);
    }
    AttentionViz.Capture c = AttentionViz.capture(sites, tokens, null);
    for (int layer = 0; layer < 2; layer++) {
      AttentionViz.Layer l = c.layers().get(layer);
      for (double[][] head : l.probs()) {
        for (int q = 0; q < t; q++) {
          double sum = 0;
          for (int k = 0; k < t; k++) {
            boolean visible = k <= q && (layer == 0 || q - k < 4);
            if (!visible) {
              assertEquals(0.0, head[q][k], "layer " + layer + " q " + q + " k " + k);
            }
            sum += head[q][k];
          }
          assertEquals(1.0, sum, 1e-9);
        }
      }
    }
    assertEquals("(causal & band(4))", c.layers().get(1).mask());
  }

  @Test
  void patternsNameThePreviousTokenHead() {
    int t = 6;
    double[][] prev = new double[t][t];
    double[][] first = new double[t][t];
    for (int q = 0; q < t; q++) {
      prev[q][Math.max(0, q - 1)] = 1;
      first[q][0] = 1;
    }
    List<String> tokens = List.of("[CLS]", "a", "b", "c", "d", "[SEP]");
    AttentionViz.Capture c = new AttentionViz.Capture(
        tokens,
        tokens,
        List.of(new AttentionViz.Layer(
            "layer.0", "full", tokens, tokens, new double[][][] {prev, first}, null, null)));
    List<AttentionViz.Pattern> p = AttentionViz.patterns(c);
    assertEquals("previous token", p.get(0).kind());
    assertEquals(1.0, p.get(0).score(), 1e-12);
    assertEquals("delimiter", p.get(1).kind());
    assertTrue(
        AttentionViz.summary(p).contains("h0 previous token 1.00  h1 delimiter 1.00"),
        AttentionViz.summary(p));
  }

  @Test
  void vizWritesASelfContainedEscapedPage() throws IOException {
    Path out = dir.resolve("attention.html");
    Cli.Result r = Cli.run(
        "viz",
        "--model",
        "bert-tiny",
        "--text",
        "The <script>alert(1)</script> cat sat.",
        "--text-b",
        "It was happy.",
        "--out",
        out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("bert.encoder.layer.1 / attention:"), r.out());
    String html = Files.readString(out);
    assertFalse(html.contains("<script>alert"), "the prompt is data, not markup");
    assertEquals(
        2, html.split("<script", -1).length - 1, "only the page's own two script elements");
    for (String view : List.of("id=\"headview\"", "id=\"grid\"", "id=\"detail\"")) {
      assertTrue(html.contains(view), view);
    }
    assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "nothing is fetched");
  }
}
