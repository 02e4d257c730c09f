package dev.kiln.runtime.json;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict RFC 8259 JSON parser and writer over plain Java values.
 *
 * <p>Parsed values are {@link java.util.LinkedHashMap}{@code <String, Object>} (key order kept),
 * {@link java.util.List}{@code <Object>}, {@link String}, {@link Long} (integers that fit),
 * {@link Double} (every other number), {@link Boolean} and {@code null}. Strictness beyond the
 * grammar: duplicate keys, unpaired surrogates and numbers overflowing a double are errors, and
 * depth and size are bounded so hostile input costs at most time and memory linear in its length.
 * Every error is a {@link JsonException} whose message ends with the line:column of the problem.
 *
 * <p>The writer accepts the parsed types plus {@code Integer}, {@code Short}, {@code Byte},
 * {@code Float}, {@code BigInteger}, {@code BigDecimal}, any {@code Map} with String keys, any
 * {@code Collection}, {@code Object[]} and {@code int[]}, {@code long[]}, {@code float[]},
 * {@code double[]}. Doubles are written with {@link Double#toString}, the shortest text that
 * reads back as the same double, so {@code parse(write(x))} equals {@code x} for parsed trees.
 */
public final class Json {
  /** Default maximum nesting of arrays and objects. */
  public static final int DEFAULT_MAX_DEPTH = 512;

  /** Default maximum input length: 100 million chars (or bytes, for {@link #parseUtf8}). */
  public static final int DEFAULT_MAX_LENGTH = 100_000_000;

  private Json() {}

  /** Parses a JSON text with the default limits. */
  public static Object parse(String text) {
    return parse(text, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH);
  }

  /** Parses a JSON text nested at most {@code maxDepth} deep and at most {@code maxLength} chars long. */
  public static Object parse(String text, int maxDepth, int maxLength) {
    checkLimits(maxDepth, maxLength);
    if (text.length() > maxLength) {
      throw new JsonException(
          "input of " + text.length() + " characters exceeds the limit of " + maxLength,
          maxLength,
          0,
          0);
    }
    return new JsonParser(text, maxDepth).parse();
  }

  /** Parses UTF-8 encoded JSON with the default limits. */
  public static Object parseUtf8(byte[] utf8) {
    return parseUtf8(utf8, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH);
  }

  /**
   * Parses UTF-8 encoded JSON, at most {@code maxLength} bytes. Malformed UTF-8 (including overlong
   * forms, encoded surrogates and a byte order mark, which RFC 8259 forbids) is an error whose
   * {@link JsonException#offset()} is the byte offset.
   */
  public static Object parseUtf8(byte[] utf8, int maxDepth, int maxLength) {
    checkLimits(maxDepth, maxLength);
    if (utf8.length > maxLength) {
      throw new JsonException(
          "input of " + utf8.length + " bytes exceeds the limit of " + maxLength, maxLength, 0, 0);
    }
    return parse(decode(utf8), maxDepth, maxLength);
  }

  /** Writes {@code value} as compact JSON (no whitespace). */
  public static String write(Object value) {
    return new JsonWriter(null, DEFAULT_MAX_DEPTH).write(value);
  }

  /** Writes {@code value} as JSON indented by two spaces per level, one member or element per line. */
  public static String pretty(Object value) {
    return new JsonWriter("  ", DEFAULT_MAX_DEPTH).write(value);
  }

  /** {@code s} as a JSON string literal, shortened to about 80 chars: for quoting input in error messages. */
  public static String quote(String s) {
    String head =
        s.length() > 80 ? s.substring(0, Character.isHighSurrogate(s.charAt(76)) ? 76 : 77) : s;
    StringBuilder sb = new StringBuilder(head.length() + 2);
    // Quoting must never fail, so lone surrogates become escapes here rather than errors.
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      boolean pairStart = Character.isHighSurrogate(c)
          && i + 1 < head.length()
          && Character.isLowSurrogate(head.charAt(i + 1));
      boolean pairEnd =
          Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(head.charAt(i - 1));
      boolean paired = pairStart || pairEnd;
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c == '\n' || c == '\r' || c == '\t') {
        sb.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
      } else if (c < 0x20 || c == 0x7f || (Character.isSurrogate(c) && !paired)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return "\"" + sb + (head.length() < s.length() ? "...\"" : "\"");
  }

  private static void checkLimits(int maxDepth, int maxLength) {
    if (maxDepth < 1 || maxLength < 0) {
      throw new IllegalArgumentException(
          "maxDepth must be >= 1 and maxLength >= 0, got " + maxDepth + ", " + maxLength);
    }
  }

  private static String decode(byte[] utf8) {
    CharsetDecoder decoder = StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(utf8);
    CharBuffer out =
        CharBuffer.allocate(utf8.length); // UTF-8 never has fewer bytes than UTF-16 chars
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int at = in.position();
      String what = String.format("invalid UTF-8 byte 0x%02X", utf8[at] & 0xff);
      throw JsonParser.at(what, "", out.flip(), out.limit(), at);
    }
    if (utf8.length >= 3
        && (utf8[0] & 0xff) == 0xEF
        && (utf8[1] & 0xff) == 0xBB
        && (utf8[2] & 0xff) == 0xBF) {
      throw new JsonException("byte order mark at 1:1 (RFC 8259 forbids it)", 0, 1, 1);
    }
    return out.flip().toString();
  }
}
