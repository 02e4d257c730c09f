package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ONNX Runtime on all-MiniLM-L6-v2 reproduces the stored reference, so it can serve as Kiln BERT's oracle. */
class OnnxReferenceTest {
  private static final double TOLERANCE = 1e-5;
  private static OnnxReference ort;

  @BeforeAll
  static void open() {
    ort = new OnnxReference();
  }

  @AfterAll
  static void close() {
    ort.close();
  }

  @Test
  void reproducesTheStoredReference() throws IOException {
    List<Map<String, Object>> cases = cases();
    assertEquals(2, cases.size());
    for (Map<String, Object> c : cases) {
      long[] ids = longs(c.get("ids"));
      int n = ids.length;
      float[][][] h = ort.lastHiddenState(
          new long[][] {ids}, new long[][] {filled(n, 1)}, new long[][] {filled(n, 0)});
      assertEquals(List.of(1L, (long) n, 384L), c.get("last_hidden_state_shape"));
      assertEquals(n, h[0].length);
      assertEquals(384, h[0][0].length);
      String text = (String) c.get("text");
      assertClose(doubles(c.get("cls_hidden_first8")), h[0][0], text + " [CLS]");
      assertClose(doubles(c.get("last_token_hidden_first8")), h[0][n - 1], text + " last token");
      assertClose(
          doubles(c.get("mean_pooled_l2norm_first8")),
          meanPooledNormalised(h[0]),
          text + " mean pooled");
    }
  }

  /** Padding a shorter sequence in a batch, with mask 0 on the padding, leaves its real tokens' states unchanged. */
  @Test
  void paddingMaskedOutDoesNotChangeRealTokens() throws IOException {
    List<Map<String, Object>> cases = cases();
    long[] a = longs(cases.get(0).get("ids"));
    long[] b = longs(cases.get(1).get("ids"));
    long[] padded = new long[a.length];
    System.arraycopy(b, 0, padded, 0, b.length);
    long[] maskB = new long[a.length];
    Arrays.fill(maskB, 0, b.length, 1);
    float[][][] batch = ort.lastHiddenState(
        new long[][] {a, padded},
        new long[][] {filled(a.length, 1), maskB},
        new long[][] {filled(a.length, 0), filled(a.length, 0)});
    float[][][] alone = ort.lastHiddenState(
        new long[][] {b}, new long[][] {filled(b.length, 1)}, new long[][] {filled(b.length, 0)});
    for (int t = 0; t < b.length; t++) {
      for (int k = 0; k < 384; k++) {
        assertEquals(alone[0][t][k], batch[1][t][k], TOLERANCE, "token " + t + " dim " + k);
      }
    }
  }

  private static float[] meanPooledNormalised(float[][] tokens) {
    double[] mean = new double[tokens[0].length];
    for (float[] t : tokens) {
      for (int k = 0; k < mean.length; k++) {
        mean[k] += t[k] / (double) tokens.length;
      }
    }
    double norm = Math.sqrt(Arrays.stream(mean).map(v -> v * v).sum());
    float[] out = new float[mean.length];
    for (int k = 0; k < mean.length; k++) {
      out[k] = (float) (mean[k] / norm);
    }
    return out;
  }

  private static void assertClose(double[] want, float[] got, String what) {
    assertEquals(8, want.length);
    for (int k = 0; k < want.length; k++) {
      assertEquals(want[k], got[k], TOLERANCE, what + " dim " + k);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cases() throws IOException {
    try (InputStream in =
        OnnxReferenceTest.class.getResourceAsStream("/onnx/minilm-l6-v2-reference.json")) {
      Map<String, Object> root = (Map<String, Object>) Json.parseUtf8(in.readAllBytes());
      return (List<Map<String, Object>>) root.get("cases");
    }
  }

  static long[] longs(Object list) {
    return ((List<?>) list).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
  }

  private static double[] doubles(Object list) {
    return ((List<?>) list)
        .stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
  }

  static long[] filled(int n, long v) {
    long[] a = new long[n];
    Arrays.fill(a, v);
    return a;
  }
}
