package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.generate.Pooling;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.io.onnx.OnnxReference;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.stdlib.MiniLmModel;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The released all-MiniLM-L6-v2 weights (ONNX) loaded into the stdlib BERT encoder compiled at
 * MiniLM's shape, against ONNX Runtime running the same file: {@code last_hidden_state} within 1e-4
 * absolute on the shared reference sentences and on padded batches of other sentences.
 */
class MiniLmTest {
  private static final double TOLERANCE = 1e-4;
  private static MiniLmModel kiln;
  private static OnnxReference ort;
  private static WordPieceTokenizer tokenizer;

  @BeforeAll
  static void load() {
    kiln = new MiniLmModel();
    Pretrained.Result r = Pretrained.load(kiln, OnnxReference.modelFile());
    assertEquals(kiln.spec().params().size(), r.parameters());
    assertEquals(List.of(), r.unused(), "every initializer of the encoder is used");
    ort = new OnnxReference();
    tokenizer = WordPieceTokenizer.load(
        new ByteArrayInputStream(Resources.bytes("tokenizers/bert/vocab.txt")));
  }

  @AfterAll
  static void close() {
    ort.close();
  }

  @Test
  void matchesTheSharedReference() throws Exception {
    Path file = Path.of("..", "..", "shared", "data", "minilm-l6-v2-reference.json");
    if (!Files.exists(file)) {
      file = Path.of(
          "..", "runtime", "src", "test", "resources", "onnx", "minilm-l6-v2-reference.json");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> ref = (Map<String, Object>) Json.parse(Files.readString(file));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases = (List<Map<String, Object>>) ref.get("cases");
    assertTrue(cases.size() >= 2);
    for (Map<String, Object> c : cases) {
      int[] ids = ints(c.get("ids"));
      assertArrayEquals(
          ids,
          tokenizer.encodeSingle((String) c.get("text"), 512).ids(),
          "tokenization of " + c.get("text"));
      float[][][] kilnOut = run(new int[][] {ids});
      double[] first8 = doubles(c.get("cls_hidden_first8"));
      for (int i = 0; i < first8.length; i++) {
        // The reference file rounds to 6 decimals.
        assertEquals(
            first8[i], kilnOut[0][0][i], TOLERANCE, "[CLS] feature " + i + " of " + c.get("text"));
      }
    }
  }

  @Test
  void matchesOnnxRuntimeOnPaddedBatches() {
    String[] sentences = {
      "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
      "Kiln compiles Transformer models at javac time.",
      "Naïve café owners in Zürich serve crème brûlée — 東京 too!",
      "Short.",
    };
    int[][] ids = new int[sentences.length][];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenizer.encodeSingle(sentences[i], 512).ids();
    }
    float[][][] got = run(ids);
    float[][][] want =
        ort.lastHiddenState(padded(ids), mask(ids), new long[ids.length][width(ids)]);
    double worst = 0;
    for (int b = 0; b < ids.length; b++) {
      for (int t = 0; t < ids[b].length; t++) { // padded rows are not part of the contract
        for (int c = 0; c < 384; c++) {
          worst = Math.max(worst, Math.abs(got[b][t][c] - want[b][t][c]));
        }
      }
    }
    System.out.printf(
        "MiniLM last_hidden_state vs ONNX Runtime: max abs error %.2e over %d sentences%n",
        worst, ids.length);
    assertTrue(worst <= TOLERANCE, "max abs error " + worst);
  }

  @Test
  void meanPooledSentenceEmbeddingsRankParaphrasesHigher() {
    String[] s = {
      "A man is playing a guitar.",
      "Someone plays an instrument.",
      "The stock market fell sharply today."
    };
    int[][] ids = new int[s.length][];
    for (int i = 0; i < s.length; i++) {
      ids[i] = tokenizer.encodeSingle(s[i], 512).ids();
    }
    run(ids);
    float[][] e = Pooling.meanPooled(kiln.output("last_hidden_state"), lengths(ids), true);
    double related = Pooling.dot(e[0], e[1]);
    double unrelated = Pooling.dot(e[0], e[2]);
    assertTrue(
        related > unrelated + 0.2, "cos(related)=" + related + " cos(unrelated)=" + unrelated);
    assertEquals(1.0, Pooling.dot(e[0], e[0]), 1e-5);
  }

  private static float[][][] run(int[][] ids) {
    int b = ids.length;
    int t = width(ids);
    int[] flat = new int[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(ids[i], 0, flat, i * t, ids[i].length);
    }
    kiln.forward(
        Map.of(
            "ids", new Tensor.I32(new int[] {b, t}, flat),
            "segments", new Tensor.I32(new int[] {b, t}, new int[b * t]),
            "lengths", new Tensor.I32(new int[] {b}, lengths(ids))),
        false);
    Tensor h = kiln.output("last_hidden_state");
    float[][][] out = new float[b][t][384];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        for (int c = 0; c < 384; c++) {
          out[i][j][c] = (float) h.get(((long) i * t + j) * 384 + c);
        }
      }
    }
    return out;
  }

  private static int width(int[][] ids) {
    int t = 0;
    for (int[] row : ids) {
      t = Math.max(t, row.length);
    }
    return t;
  }

  private static int[] lengths(int[][] ids) {
    int[] n = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      n[i] = ids[i].length;
    }
    return n;
  }

  private static long[][] padded(int[][] ids) {
    long[][] out = new long[ids.length][width(ids)];
    for (int i = 0; i < ids.length; i++) {
      for (int j = 0; j < ids[i].length; j++) {
        out[i][j] = ids[i][j];
      }
    }
    return out;
  }

  private static long[][] mask(int[][] ids) {
    long[][] out = new long[ids.length][width(ids)];
    for (int i = 0; i < ids.length; i++) {
      for (int j = 0; j < ids[i].length; j++) {
        out[i][j] = 1;
      }
    }
    return out;
  }

  private static int[] ints(Object list) {
    return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  private static double[] doubles(Object list) {
    return ((List<?>) list)
        .stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
  }
}
