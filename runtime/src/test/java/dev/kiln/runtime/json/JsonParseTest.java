package dev.kiln.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonParseTest {
  @Test
  void parsesEveryType() {
    Object v = Json.parse(" {\"a\": [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}} ");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("a", Arrays.asList(1L, -2.5, 300.0, true, false, null, "x"));
    expected.put("b", Map.of());
    assertEquals(expected, v);
    assertInstanceOf(LinkedHashMap.class, v);
  }

  @Test
  void keepsKeyOrder() {
    Map<?, ?> m = (Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
    assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
  }

  @Test
  void integersThatFitAreLongsOthersDoubles() {
    assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
    assertEquals(9.223372036854775808e18, Json.parse("9223372036854775808"));
    assertEquals(0L, Json.parse("-0"));
    assertEquals(-0.0, Json.parse("-0.0"));
    assertEquals(1.0, Json.parse("1.0"));
    assertEquals(0.0, Json.parse("1e-400")); // underflow rounds to zero, as IEEE arithmetic does
    assertEquals(1e301, Json.parse("1E+301"));
    assertEquals(1.2345678901234568e29, Json.parse("123456789012345678901234567890"));
  }

  @Test
  void hugeNumbersAreRejectedOrApproximatedQuickly() {
    assertError("number out of range at 1:1", "1e400");
    assertError("number out of range at 1:2", "[-1e99999999999999999999]");
    String digits = "9".repeat(1_000_000);
    assertTimeoutPreemptively(
        Duration.ofSeconds(5), () -> assertError("number out of range at 1:1", digits));
    String fraction = "0." + "1".repeat(1_000_000);
    assertTimeoutPreemptively(
        Duration.ofSeconds(5), () -> assertEquals(0.1111111111111111, Json.parse(fraction)));
  }

  @Test
  void decodesEscapes() {
    String escaped = "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\uD83D\\uDE00\"";
    assertEquals("\"\\/\b\f\n\r\t\u00e9\u20ac\uD83D\uDE00", Json.parse(escaped));
    assertEquals("plain é 😀", Json.parse("\"plain é 😀\""));
    assertEquals("", Json.parse("\"\""));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "`{\"a\":1 \"b\":2}`          | expected ',' or '}' at 1:8, found '\"'",
        "`[1 2]`                      | expected ',' or ']' at 1:4, found '2'",
        "`[1,]`                       | expected a value at 1:4, found ']'",
        "`{\"a\":1,}`                 | expected '\"' at 1:8, found '}'",
        "`{a:1}`                      | expected '\"' or '}' at 1:2, found 'a'",
        "`{'a':1}`                    | expected '\"' or '}' at 1:2, found '''",
        "`{\"a\" 1}`                  | expected ':' at 1:6, found '1'",
        "`{} x`                       | trailing characters after JSON value at 1:4",
        "`[]]`                        | trailing characters after JSON value at 1:3",
        "`1 2`                        | trailing characters after JSON value at 1:3",
        "`01`                         | leading zeros are not allowed at 1:1",
        "`-01`                        | leading zeros are not allowed at 1:2",
        "`1.`                         | expected a digit at 1:3 (end of input)",
        "`.5`                         | expected a value at 1:1, found '.'",
        "`-`                          | expected a digit at 1:2 (end of input)",
        "`+1`                         | expected a value at 1:1, found '+'",
        "`1e`                         | expected a digit at 1:3 (end of input)",
        "`1e+x`                       | expected a digit at 1:4, found 'x'",
        "`NaN`                        | expected a value at 1:1, found 'N'",
        "`-Infinity`                  | expected a digit at 1:2, found 'I'",
        "`tru`                        | expected a value at 1:1, found 't'",
        "`nul`                        | expected a value at 1:1, found 'n'",
        "`True`                       | expected a value at 1:1, found 'T'",
        "`\"abc`                      | unterminated string at 1:1",
        "`\"a\\x\"`                   | invalid escape '\\' followed by 'x' at 1:3",
        "`\"\\u12G4\"`                | invalid \\u escape at 1:2",
        "`\"\\u12\"`                  | invalid \\u escape at 1:2",
        "`\"\\uD800\"`                | lone surrogate U+D800 at 1:2",
        "`\"\\uD800\\u0041\"`         | lone surrogate U+D800 at 1:2",
        "`\"\\uDC00\"`                | lone surrogate U+DC00 at 1:2",
        "`/* c */ 1`                  | expected a value at 1:1, found '/'",
        "`[1] // c`                   | trailing characters after JSON value at 1:5",
        "``                           | expected a value at 1:1 (end of input)",
        "`   `                        | expected a value at 1:4 (end of input)",
        "`{\"a\":1,\"a\":2}`          | duplicate key \"a\" at 1:8",
      })
  void rejectsMalformedInputWithPosition(String text, String message) {
    assertError(message, text);
  }

  @Test
  void reportsLineAndColumnAcrossLineEndings() {
    String text = "{\n  \"model\": {\n    \"layers\": 12 \"heads\": 12\n  }\n}";
    JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
    assertEquals("expected ',' or '}' at 3:18, found '\"'", e.getMessage());
    assertEquals(3, e.line());
    assertEquals(18, e.column());
    assertEquals(text.indexOf("\"heads\""), e.offset());
    assertError("expected a value at 3:1, found ']'", "[1,\r\n\r]");
    assertError("expected a value at 1:6, found ']'", "[\"😀\",]");
  }

  @Test
  void rejectsControlCharactersInStrings() {
    assertError("control character U+000A in string at 1:3", "\"a\nb\"");
    assertError("control character U+0000 in string at 1:2", "\"\u0000\"");
    assertError("control character U+001F in string at 1:2", "\"\u001f\"");
    assertEquals("\u007f", Json.parse("\"\u007f\"")); // DEL is not a control character to JSON
  }

  @Test
  void rejectsLoneSurrogatesInTheText() {
    assertError("lone surrogate U+D83D at 1:3", "\"a\uD83D\"");
    assertError("lone surrogate U+DE00 at 1:2", "\"\uDE00\uD83D\"");
  }

  @Test
  void rejectsOtherWhitespaceAndByteOrderMark() {
    assertError("expected a value at 1:1, found U+FEFF", "\uFEFF{}");
    assertError("expected a value at 1:1, found U+000B", "\u000b1");
    assertError("expected a value at 1:1, found U+00A0", "\u00a01");
  }

  @Test
  void limitsNestingWithoutStackOverflow() {
    String ok = "[".repeat(512) + "]".repeat(512);
    assertEquals(512, depth(Json.parse(ok)));
    assertError("nesting deeper than 512 at 1:513", "[".repeat(513) + "]".repeat(513));
    assertError(
        "nesting deeper than 512 at 1:2561", "{\"a\":".repeat(512) + "[1]" + "}".repeat(512));
    // A million brackets: the parser is iterative, so this fails on the limit, not the stack.
    assertError("nesting deeper than 512 at 1:513", "[".repeat(1_000_000));
    JsonException e = assertThrows(JsonException.class, () -> Json.parse("[[[]]]", 2, 100));
    assertEquals("nesting deeper than 2 at 1:3", e.getMessage());
    // With a generous limit even a deep document parses without recursion.
    assertEquals(
        100_000, depth(Json.parse("[".repeat(100_000) + "]".repeat(100_000), 100_000, 1_000_000)));
  }

  @Test
  void limitsInputSize() {
    JsonException e = assertThrows(JsonException.class, () -> Json.parse("[1,2,3,4,5]", 512, 10));
    assertEquals("input of 11 characters exceeds the limit of 10", e.getMessage());
    assertEquals(List.of(1L, 2L, 3L, 4L), Json.parse("[1,2,3,4]", 512, 9));
    JsonException b =
        assertThrows(JsonException.class, () -> Json.parseUtf8(new byte[11], 512, 10));
    assertEquals("input of 11 bytes exceeds the limit of 10", b.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("1", 0, 10));
  }

  @Test
  void parsesUtf8StrictlyWithByteOffsets() {
    assertEquals(
        Map.of("é", "😀"), Json.parseUtf8("{\"é\":\"😀\"}".getBytes(StandardCharsets.UTF_8)));
    JsonException e = assertThrows(
        JsonException.class, () -> Json.parseUtf8(new byte[] {'"', 'a', (byte) 0xFF, '"'}));
    assertEquals("invalid UTF-8 byte 0xFF at 1:3", e.getMessage());
    assertEquals(2, e.offset());
    // é is two bytes but one column; the line counts from the last newline.
    byte[] afterE = {'[', '\n', '"', (byte) 0xC3, (byte) 0xA9, (byte) 0xC3, '"', ']'};
    JsonException e2 = assertThrows(JsonException.class, () -> Json.parseUtf8(afterE));
    assertEquals("invalid UTF-8 byte 0xC3 at 2:3", e2.getMessage());
    assertEquals(5, e2.offset());
    // Overlong "/" and a UTF-8 encoded surrogate (CESU-8) are both malformed.
    assertUtf8Error("invalid UTF-8 byte 0xC0 at 1:2", '"', 0xC0, 0xAF, '"');
    assertUtf8Error("invalid UTF-8 byte 0xED at 1:2", '"', 0xED, 0xA0, 0x80, '"');
    assertUtf8Error("invalid UTF-8 byte 0xE2 at 1:2", '"', 0xE2, 0x82);
    assertUtf8Error("byte order mark at 1:1 (RFC 8259 forbids it)", 0xEF, 0xBB, 0xBF, '1');
  }

  private static void assertUtf8Error(String message, int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    JsonException e = assertThrows(JsonException.class, () -> Json.parseUtf8(b));
    assertEquals(message, e.getMessage());
  }

  @Test
  void nullAndEmptyContainers() {
    assertNull(Json.parse("null"));
    assertEquals(List.of(), Json.parse("[ ]"));
    assertEquals(Map.of(), Json.parse("{\t}"));
    assertEquals(List.of(List.of(), Map.of()), Json.parse("[[],{}]"));
  }

  static void assertError(String message, String text) {
    String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
    JsonException e = assertThrows(JsonException.class, () -> Json.parse(text), shown);
    assertEquals(message, e.getMessage(), shown);
  }

  private static int depth(Object v) {
    int d = 0;
    while (v instanceof List<?> l) {
      d++;
      v = l.isEmpty() ? null : l.get(0);
    }
    return d;
  }
}
