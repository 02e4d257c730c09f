package dev.kiln.runtime.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 8259 parser over a String. It is iterative (an explicit stack of open containers) so that the
 * nesting limit, not the thread's stack size, decides how deep a document may be.
 */
final class JsonParser {
  /** An open object or array and, for an object, the key whose value is being parsed. */
  private static final class Frame {
    final Map<String, Object> map;
    final List<Object> list;
    String key;

    Frame(Map<String, Object> map, List<Object> list) {
      this.map = map;
      this.list = list;
    }
  }

  private final String text;
  private final int maxDepth;
  private int pos;

  JsonParser(String text, int maxDepth) {
    this.text = text;
    this.maxDepth = maxDepth;
  }

  Object parse() {
    Object value = parseValue();
    skipWhitespace();
    if (pos < text.length()) {
      throw error("trailing characters after JSON value", pos);
    }
    return value;
  }

  private Object parseValue() {
    List<Frame> stack = new ArrayList<>();
    while (true) {
      skipWhitespace();
      Object value;
      char c = pos < text.length() ? text.charAt(pos) : 0;
      if (c == '{' || c == '[') {
        if (stack.size() >= maxDepth) {
          throw error("nesting deeper than " + maxDepth, pos);
        }
        pos++;
        skipWhitespace();
        if (c == '{') {
          LinkedHashMap<String, Object> map = new LinkedHashMap<>();
          if (consume('}')) {
            value = map;
          } else {
            Frame frame = new Frame(map, null);
            frame.key = parseKey(map, "'\"' or '}'");
            stack.add(frame);
            continue;
          }
        } else {
          List<Object> list = new ArrayList<>();
          if (consume(']')) {
            value = list;
          } else {
            stack.add(new Frame(null, list));
            continue;
          }
        }
      } else {
        value = parseScalar();
      }
      // Attach the finished value to its container; closing a container finishes it in turn.
      while (true) {
        if (stack.isEmpty()) {
          return value;
        }
        Frame top = stack.getLast();
        skipWhitespace();
        if (top.list != null) {
          top.list.add(value);
          if (consume(',')) {
            break;
          }
          if (!consume(']')) {
            throw expected("',' or ']'");
          }
          value = top.list;
        } else {
          top.map.put(top.key, value);
          if (consume(',')) {
            skipWhitespace();
            top.key = parseKey(top.map, "'\"'");
            break;
          }
          if (!consume('}')) {
            throw expected("',' or '}'");
          }
          value = top.map;
        }
        stack.removeLast();
      }
    }
  }

  private String parseKey(Map<String, Object> map, String expectation) {
    int start = pos;
    if (pos >= text.length() || text.charAt(pos) != '"') {
      throw expected(expectation);
    }
    String key = parseString();
    // RFC 8259 only says names SHOULD be unique; a strict reader refuses the ambiguity instead of
    // silently keeping the last value (what an attacker would hide a second definition behind).
    if (map.containsKey(key)) {
      throw error("duplicate key " + Json.quote(key), start);
    }
    skipWhitespace();
    if (!consume(':')) {
      throw expected("':'");
    }
    return key;
  }

  private Object parseScalar() {
    if (pos >= text.length()) {
      throw expected("a value");
    }
    char c = text.charAt(pos);
    if (c == '"') {
      return parseString();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return parseNumber();
    }
    if (text.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith("null", pos)) {
      pos += 4;
      return null;
    }
    throw expected("a value");
  }

  private String parseString() {
    int start = pos++; // the opening quote
    StringBuilder sb = null;
    int runStart = pos;
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string", start);
      }
      char c = text.charAt(pos);
      if (c == '"') {
        String s = sb == null
            ? text.substring(runStart, pos)
            : sb.append(text, runStart, pos).toString();
        pos++;
        return s;
      }
      if (c < 0x20) {
        throw error("control character " + describe(c) + " in string", pos);
      }
      if (Character.isSurrogate(c)) {
        // Unpaired surrogates cannot be encoded as UTF-8, so they would break on the way out.
        if (Character.isHighSurrogate(c)
            && pos + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(pos + 1))) {
          pos += 2;
          continue;
        }
        throw error("lone surrogate " + describe(c), pos);
      }
      if (c != '\\') {
        pos++;
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder();
      }
      sb.append(text, runStart, pos);
      parseEscape(sb);
      runStart = pos;
    }
  }

  private void parseEscape(StringBuilder sb) {
    int start = pos++; // the backslash
    if (pos >= text.length()) {
      throw error("unterminated string", start);
    }
    char c = text.charAt(pos++);
    switch (c) {
      case '"', '\\', '/' -> sb.append(c);
      case 'b' -> sb.append('\b');
      case 'f' -> sb.append('\f');
      case 'n' -> sb.append('\n');
      case 'r' -> sb.append('\r');
      case 't' -> sb.append('\t');
      case 'u' -> {
        char u = parseHex4(start);
        if (Character.isHighSurrogate(u)) {
          int low = pos;
          if (text.startsWith("\\u", pos)) {
            pos += 2;
            char v = parseHex4(low);
            if (Character.isLowSurrogate(v)) {
              sb.append(u).append(v);
              return;
            }
          }
          throw error("lone surrogate " + describe(u), start);
        }
        if (Character.isLowSurrogate(u)) {
          throw error("lone surrogate " + describe(u), start);
        }
        sb.append(u);
      }
      default -> throw error("invalid escape '\\' followed by " + describe(c), start);
    }
  }

  private char parseHex4(int escapeStart) {
    if (pos + 4 > text.length()) {
      throw error("invalid \\u escape", escapeStart);
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      // Character.digit also accepts non-ASCII digits, which JSON does not.
      if (d < 0 || text.charAt(pos + i) > 'f') {
        throw error("invalid \\u escape", escapeStart);
      }
      v = v << 4 | d;
    }
    pos += 4;
    return (char) v;
  }

  private Object parseNumber() {
    int start = pos;
    consume('-');
    if (consume('0')) {
      if (isDigit()) {
        throw error("leading zeros are not allowed", pos - 1);
      }
    } else {
      digits();
    }
    boolean integer = true;
    if (consume('.')) {
      integer = false;
      digits();
    }
    if (consume('e') || consume('E')) {
      integer = false;
      if (!consume('+')) {
        consume('-');
      }
      digits();
    }
    String s = text.substring(start, pos);
    if (integer && s.length() <= 20) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException tooBig) {
        // Fall through: integers outside the long range are kept approximately, as doubles.
      }
    }
    double d = Double.parseDouble(s);
    if (Double.isInfinite(d)) {
      throw error("number out of range", start);
    }
    return d;
  }

  private void digits() {
    if (!isDigit()) {
      throw expected("a digit");
    }
    while (isDigit()) {
      pos++;
    }
  }

  private boolean isDigit() {
    return pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9';
  }

  private boolean consume(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private JsonException expected(String what) {
    String found =
        pos >= text.length() ? " (end of input)" : ", found " + describe(text.charAt(pos));
    return at("expected " + what, found, text, pos, pos);
  }

  private JsonException error(String what, int offset) {
    return at(what, "", text, offset, offset);
  }

  /**
   * An error at char {@code offset} of {@code text}, reported as {@code reportedOffset}: the message
   * is {@code what}, the position as line:column, then {@code suffix}.
   */
  static JsonException at(
      String what, String suffix, CharSequence text, int offset, int reportedOffset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset; i++) {
      char c = text.charAt(i);
      boolean crlf = c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n';
      if (c == '\n' || (c == '\r' && !crlf)) {
        line++;
        column = 1;
      } else if (!crlf
          && !(Character.isLowSurrogate(c)
              && i > 0
              && Character.isHighSurrogate(text.charAt(i - 1)))) {
        column++;
      }
    }
    return new JsonException(
        what + " at " + line + ":" + column + suffix, reportedOffset, line, column);
  }

  /** A character as an error message shows it: quoted if printable ASCII, else U+XXXX. */
  static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }
}
