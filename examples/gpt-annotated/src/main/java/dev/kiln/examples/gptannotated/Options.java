package dev.kiln.examples.gptannotated;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --key value} command-line options over defaults. A value runs to the next {@code --key},
 * so it may be several words even when the arguments arrive as one string split at spaces (as from
 * {@code ./kiln example NAME ...}); a key given with no value gets the empty string.
 */
record Options(Map<String, String> values) {
  static Options parse(String[] args, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    String key = null;
    for (String arg : args) {
      if (arg.startsWith("--")) {
        key = arg.substring(2);
        if (!defaults.containsKey(key)) {
          throw new IllegalArgumentException(
              "unknown option " + arg + "; usage: " + usage(defaults));
        }
        values.put(key, "");
      } else if (key == null) {
        throw new IllegalArgumentException(
            "expected --key before '" + arg + "'; usage: " + usage(defaults));
      } else {
        values.merge(key, arg, (a, b) -> a.isEmpty() ? b : a + " " + b);
      }
    }
    return new Options(values);
  }

  private static String usage(Map<String, String> defaults) {
    StringBuilder sb = new StringBuilder();
    defaults.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ")
        .append("[--")
        .append(k)
        .append(' ')
        .append(v)
        .append(']'));
    return sb.toString();
  }

  String string(String key) {
    return values.get(key);
  }

  int integer(String key) {
    try {
      return Integer.parseInt(values.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + key + " needs a whole number, not '" + values.get(key) + "'", e);
    }
  }

  double number(String key) {
    try {
      return Double.parseDouble(values.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + key + " needs a number, not '" + values.get(key) + "'", e);
    }
  }
}
