package dev.kiln.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonWriteTest {
  @Test
  void writesCompact() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", 1200);
    m.put("loss", 2.5);
    m.put("ok", true);
    m.put("none", null);
    m.put("shape", new int[] {768, 2304});
    m.put("list", List.of(1L, "two", List.of()));
    m.put("empty", Map.of());
    assertEquals(
        "{\"step\":1200,\"loss\":2.5,\"ok\":true,\"none\":null,\"shape\":[768,2304],"
            + "\"list\":[1,\"two\",[]],\"empty\":{}}",
        Json.write(m));
  }

  @Test
  void writesPretty() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", List.of(true, Map.of("c", "d")));
    m.put("e", List.of());
    m.put("f", Map.of());
    assertEquals("""
        {
          "a": 1,
          "b": [
            true,
            {
              "c": "d"
            }
          ],
          "e": [],
          "f": {}
        }""", Json.pretty(m));
    assertEquals("1", Json.pretty(1));
  }

  @Test
  void escapesStrings() {
    assertEquals(
        "\"q\\\" b\\\\ s/ \\n\\r\\t\\b\\f \\u0000\\u001f \u007f é 😀\"",
        Json.write("q\" b\\ s/ \n\r\t\b\f \u0000\u001f \u007f é 😀"));
    String all = new String(new char[] {0, 1, 2, 0x1f, ' ', '"', '\\', 'é', 0xD83D, 0xDE00});
    assertEquals(all, Json.parse(Json.write(all)));
  }

  @Test
  void doublesRoundTripBitForBit() {
    double[] special = {
      0.1,
      1.0 / 3,
      -0.0,
      0.0,
      1e-320,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      -Double.MIN_NORMAL,
      1e21,
      1e22,
      123456789.0,
      2.5e-8,
      9007199254740993.0
    };
    for (double d : special) {
      assertBitEqual(d, Json.parse(Json.write(d)));
    }
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < 100_000; i++) {
      double d = Double.longBitsToDouble(rnd.nextLong());
      if (Double.isFinite(d)) {
        assertBitEqual(d, Json.parse(Json.write(d)));
      }
    }
    assertEquals("1.0", Json.write(1.0)); // stays a double on the way back
    assertEquals("1.0E-5", Json.write(1e-5));
  }

  @Test
  void floatsRoundTripThroughDouble() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isFinite(f)) {
        double back = (Double) Json.parse(Json.write(f));
        assertEquals(
            Float.floatToIntBits(f), Float.floatToIntBits((float) back), () -> "float " + f);
      }
    }
    assertEquals("[0.1,-2.5]", Json.write(new float[] {0.1f, -2.5f}));
  }

  @Test
  void writesIntegerTypes() {
    assertEquals(
        "[1,2,3,-9223372036854775808,123456789012345678901234567890,1.50]",
        Json.write(Arrays.asList(
            (byte) 1,
            (short) 2,
            3,
            Long.MIN_VALUE,
            new BigInteger("123456789012345678901234567890"),
            new BigDecimal("1.50"))));
    assertEquals("[1,2]", Json.write(new long[] {1, 2}));
    assertEquals("[null,\"a\"]", Json.write(new Object[] {null, "a"}));
  }

  @Test
  void rejectsNonFiniteNumbersWithPath() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("metrics", Map.of("loss", Double.NaN));
    assertWriteError("cannot write NaN (JSON has no NaN or Infinity) at $.metrics.loss", m);
    assertWriteError(
        "cannot write Infinity (JSON has no NaN or Infinity) at $[1]",
        List.of(1, Double.POSITIVE_INFINITY));
    assertWriteError(
        "cannot write -Infinity (JSON has no NaN or Infinity) at $[0][\"a b\"]",
        List.of(Map.of("a b", Float.NEGATIVE_INFINITY)));
    assertWriteError(
        "cannot write NaN (JSON has no NaN or Infinity) at $[2]", new double[] {1, 2, Double.NaN});
  }

  @Test
  void rejectsUnwritableValues() {
    Map<Object, Object> intKey = new HashMap<>();
    intKey.put(1, "x");
    assertWriteError("map key 1 is a java.lang.Integer, not a String at $", intKey);
    assertWriteError(
        "cannot write a value of type java.lang.Object at $.x", Map.of("x", new Object()));
    assertWriteError("cannot write a string with a lone surrogate U+D800 at $", "a\uD800");
    assertWriteError("cannot write a string with a lone surrogate U+DC00 at $", "\uDC00");
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    JsonException e = assertThrows(JsonException.class, () -> Json.write(cycle));
    assertEquals(
        true, e.getMessage().startsWith("nesting deeper than 512 (is there a cycle?) at $[0][0]"));
    assertEquals(-1, e.offset());
  }

  @Test
  void roundTripsParsedTrees() {
    String text =
        "{\"a\":[1,2.5,\"x\\u0001\",null,true,{\"b\":[]}],\"c\":-0.0,\"d\":{\"e\":\"\\\"\"}}";
    Object tree = Json.parse(text);
    assertEquals(text.replace("\\u0001", "\\u0001"), Json.write(tree));
    assertEquals(tree, Json.parse(Json.pretty(tree)));
  }

  @Test
  void quoteEscapesAndShortens() {
    assertEquals("\"a\\\"b\\n\"", Json.quote("a\"b\n"));
    assertEquals("\"\\ud800\"", Json.quote("\uD800"));
    assertEquals("\"" + "x".repeat(77) + "...\"", Json.quote("x".repeat(200)));
  }

  private static void assertWriteError(String message, Object value) {
    JsonException e = assertThrows(JsonException.class, () -> Json.write(value));
    assertEquals(message, e.getMessage());
  }

  private static void assertBitEqual(double expected, Object actual) {
    assertEquals(
        Double.doubleToRawLongBits(expected),
        Double.doubleToRawLongBits((Double) actual),
        () -> "double " + expected);
  }
}
