package dev.kiln.examples.minilm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The released weights give embeddings under which paraphrases are much closer than unrelated
 * sentences.
 */
class MainTest {
  @Test
  void paraphrasesAreCloserThanUnrelatedSentences() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    MiniLmModel model = Main.load(Main.extractOnnx(Path.of("target", "onnx")), out);
    List<String> s = List.of(
        "A man is playing a guitar.",
        "Someone is playing an instrument.",
        "The stock market fell sharply today.",
        "Share prices dropped steeply this morning.");
    float[][] e = Main.embed(model, Main.tokenizer(), s);
    Main.print(s, e, out);
    System.out.print(log.toString(StandardCharsets.UTF_8));
    double[][] cos = new double[4][4];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        cos[i][j] = dev.kiln.runtime.generate.Pooling.dot(e[i], e[j]);
      }
      assertEquals(1.0, cos[i][i], 1e-5, "embeddings are unit vectors");
    }
    assertTrue(
        cos[0][1] > cos[0][2] + 0.3,
        "guitar/instrument " + cos[0][1] + " vs guitar/stocks " + cos[0][2]);
    assertTrue(
        cos[2][3] > cos[1][3] + 0.3,
        "stocks/shares " + cos[2][3] + " vs instrument/shares " + cos[1][3]);
  }
}
