package dev.kiln.runtime.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Serialises plain Java values to JSON text, compact or indented. It tracks the path to the value
 * being written so an unwritable value (NaN, a non-string key) is reported where it sits.
 */
final class JsonWriter {
  private final StringBuilder out = new StringBuilder();
  private final String indent; // null: compact
  private final int maxDepth;
  private final List<Object> path = new ArrayList<>(); // String keys and Integer indices

  JsonWriter(String indent, int maxDepth) {
    this.indent = indent;
    this.maxDepth = maxDepth;
  }

  String write(Object value) {
    value(value);
    return out.toString();
  }

  private void value(Object v) {
    switch (v) {
      case null -> out.append("null");
      case Boolean b -> out.append(b.booleanValue());
      case CharSequence s -> string(s);
      case Double d -> fp(d, Double.toString(d));
      // Float.toString is the shortest text that reads back (through double) as the same float.
      case Float f -> fp(f, Float.toString(f));
      case Long l -> out.append(l.longValue());
      case Integer i -> out.append(i.intValue());
      case Short s -> out.append(s.shortValue());
      case Byte b -> out.append(b.byteValue());
      case BigInteger b -> out.append(b);
      case BigDecimal b -> out.append(b);
      case Map<?, ?> m -> object(m);
      case Collection<?> c -> array(c);
      case Object[] a -> array(Arrays.asList(a));
      case int[] a -> {
        open('[');
        for (int i = 0; i < a.length; i++) {
          separator(i);
          out.append(a[i]);
        }
        close(']', a.length);
      }
      case long[] a -> {
        open('[');
        for (int i = 0; i < a.length; i++) {
          separator(i);
          out.append(a[i]);
        }
        close(']', a.length);
      }
      case double[] a -> {
        open('[');
        for (int i = 0; i < a.length; i++) {
          separator(i);
          path.add(i);
          fp(a[i], Double.toString(a[i]));
          path.removeLast();
        }
        close(']', a.length);
      }
      case float[] a -> {
        open('[');
        for (int i = 0; i < a.length; i++) {
          separator(i);
          path.add(i);
          fp(a[i], Float.toString(a[i]));
          path.removeLast();
        }
        close(']', a.length);
      }
      default -> throw error("cannot write a value of type " + v.getClass().getName());
    }
  }

  private void fp(double d, String text) {
    if (!Double.isFinite(d)) {
      throw error("cannot write " + d + " (JSON has no NaN or Infinity)");
    }
    out.append(text);
  }

  private void object(Map<?, ?> m) {
    open('{');
    int i = 0;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        Object k = e.getKey();
        throw error("map key " + k + " is a "
            + (k == null ? "null" : k.getClass().getName()) + ", not a String");
      }
      separator(i++);
      string(key);
      out.append(indent == null ? ":" : ": ");
      path.add(key);
      value(e.getValue());
      path.removeLast();
    }
    close('}', m.size());
  }

  private void array(Iterable<?> items) {
    open('[');
    int i = 0;
    for (Object item : items) {
      separator(i);
      path.add(i++);
      value(item);
      path.removeLast();
    }
    close(']', i);
  }

  private void open(char bracket) {
    // Cycles and absurd nesting end here rather than in a StackOverflowError.
    if (path.size() >= maxDepth) {
      throw error("nesting deeper than " + maxDepth + " (is there a cycle?)");
    }
    out.append(bracket);
  }

  private void separator(int index) {
    if (index > 0) {
      out.append(',');
    }
    newline(path.size() + 1);
  }

  private void close(char bracket, int size) {
    if (size > 0) {
      newline(path.size());
    }
    out.append(bracket);
  }

  private void newline(int depth) {
    if (indent != null) {
      out.append('\n').repeat(indent, depth);
    }
  }

  private void string(CharSequence s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else if (Character.isSurrogate(c)) {
            // A lone surrogate has no UTF-8 encoding: refuse it rather than emit text that
            // a strict reader (ours included) rejects.
            if (Character.isHighSurrogate(c)
                && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1))) {
              out.append(c).append(s.charAt(++i));
            } else {
              throw error("cannot write a string with a lone surrogate " + JsonParser.describe(c));
            }
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private JsonException error(String what) {
    StringBuilder where = new StringBuilder("$");
    for (Object p : path) {
      if (p instanceof Integer i) {
        where.append('[').append(i).append(']');
      } else if (p instanceof String key && key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        where.append('.').append(key);
      } else {
        where.append('[').append(Json.quote(String.valueOf(p))).append(']');
      }
    }
    return new JsonException(what + " at " + where);
  }
}
