package dev.kiln.runtime.io;

import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.json.JsonException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors header against the size of the data section, so that every
 * offset handed out afterwards is known to lie inside the file and to match its dtype and shape.
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
  static final String METADATA_KEY = "__metadata__";

  static SafetensorsHeader parse(Path file, byte[] header, long dataSize) {
    Object root;
    try {
      root = Json.parseUtf8(header);
    } catch (JsonException e) {
      throw new SafetensorsException(file, "header is not valid JSON: " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> entries)) {
      throw new SafetensorsException(
          file, "header is not a JSON object (found " + kind(root) + ")");
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : entries.entrySet()) {
      String name = (String) e.getKey(); // the parser only makes String keys
      if (name.equals(METADATA_KEY)) {
        metadata(file, e.getValue(), metadata);
      } else {
        tensors.put(name, tensor(file, name, e.getValue(), dataSize));
      }
    }
    checkOverlaps(file, tensors.values());
    return new SafetensorsHeader(
        Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
  }

  private static void metadata(Path file, Object value, Map<String, String> out) {
    if (value == null) {
      return; // the reference implementation reads a null __metadata__ as absent
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new SafetensorsException(
          file, METADATA_KEY + " is not a JSON object (found " + kind(value) + ")");
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw new SafetensorsException(
            file,
            METADATA_KEY + " value for " + quote((String) e.getKey()) + " is not a string (found "
                + kind(e.getValue()) + ")");
      }
      out.put((String) e.getKey(), s);
    }
  }

  private static TensorInfo tensor(Path file, String name, Object value, long dataSize) {
    String what = "tensor " + quote(name);
    if (!(value instanceof Map<?, ?> entry)) {
      throw new SafetensorsException(
          file, what + " is not a JSON object (found " + kind(value) + ")");
    }
    // Unknown members are ignored, as the reference implementation does, so newer files still load.
    if (!(member(file, what, entry, "dtype") instanceof String dtypeName)) {
      throw new SafetensorsException(
          file, what + " dtype is not a string (found " + kind(entry.get("dtype")) + ")");
    }
    FileDtype dtype = FileDtype.of(dtypeName);
    if (dtype == null) {
      throw new SafetensorsException(file, what + " has unknown dtype " + quote(dtypeName));
    }
    Object shapeValue = member(file, what, entry, "shape");
    long[] shape = integers(shapeValue, -1);
    if (shape == null) {
      throw new SafetensorsException(
          file, what + " shape is not an array of integers: " + render(shapeValue));
    }
    for (long d : shape) {
      if (d < 0) {
        throw new SafetensorsException(
            file, what + " has a negative dimension in shape " + shapeString(shape));
      }
    }
    Object offsetsValue = member(file, what, entry, "data_offsets");
    long[] offsets = integers(offsetsValue, 2);
    if (offsets == null || offsets[0] < 0 || offsets[1] < 0) {
      throw new SafetensorsException(
          file,
          what + " data_offsets is not a pair of non-negative integers: " + render(offsetsValue));
    }
    long begin = offsets[0];
    long end = offsets[1];
    String range = "[" + begin + ", " + end + "]";
    if (begin > end) {
      throw new SafetensorsException(
          file, what + " data_offsets " + range + " end before they begin");
    }
    long bytes = byteCount(shape, dtype.size);
    if (bytes < 0) {
      throw new SafetensorsException(
          file,
          what + " shape " + shapeString(shape) + " is too large: its " + dtype
              + " byte count overflows 64 bits");
    }
    if (bytes != end - begin) {
      throw new SafetensorsException(
          file,
          what + " data_offsets " + range + " do not match dtype " + dtype + " and shape "
              + shapeString(shape) + " (" + bytes + " bytes)");
    }
    if (end > dataSize) {
      throw new SafetensorsException(
          file,
          what + " data_offsets " + range + " run past the end of the " + dataSize
              + "-byte data section");
    }
    return new TensorInfo(name, dtypeName, shape, begin, end);
  }

  private static Object member(Path file, String what, Map<?, ?> entry, String key) {
    if (!entry.containsKey(key)) {
      throw new SafetensorsException(file, what + " has no " + key);
    }
    return entry.get(key);
  }

  /** {@code value} as longs if it is a list of integers (of {@code length} elements, if not -1), else null. */
  private static long[] integers(Object value, int length) {
    if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
      return null;
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Long l)) {
        return null; // fractions, and integers beyond the long range (parsed as Double)
      }
      out[i] = l;
    }
    return out;
  }

  /** Elements times element size, or -1 on overflow; a zero dimension makes any shape empty. */
  private static long byteCount(long[] shape, int elementSize) {
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    try {
      long n = elementSize;
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    } catch (ArithmeticException overflow) {
      return -1;
    }
  }

  private static void checkOverlaps(Path file, Iterable<TensorInfo> tensors) {
    List<TensorInfo> sorted = new ArrayList<>();
    for (TensorInfo t : tensors) {
      if (t.begin() < t.end()) {
        sorted.add(t); // an empty tensor reads no bytes, so it cannot collide with anything
      }
    }
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    TensorInfo reach = null; // the tensor ending furthest so far
    for (TensorInfo t : sorted) {
      if (reach != null && t.begin() < reach.end()) {
        throw new SafetensorsException(
            file,
            "tensors " + quote(reach.name()) + " [" + reach.begin() + ", " + reach.end() + "] and "
                + quote(t.name()) + " [" + t.begin() + ", " + t.end() + "] overlap");
      }
      if (reach == null || t.end() > reach.end()) {
        reach = t;
      }
    }
  }

  /** A name from the file in single quotes, with control characters escaped and length bounded. */
  static String quote(String s) {
    String json = Json.quote(s); // escapes and shortens; swap its double quotes for single ones
    return "'" + json.substring(1, json.length() - 1).replace("\\\"", "\"") + "'";
  }

  /** A shape as the messages show it, [768,2304], eliding the middle of absurdly long ones. */
  static String shapeString(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i == 8 && shape.length > 16) {
        sb.append("...").append(shape.length - 16).append(" more...,");
        i = shape.length - 8;
      }
      sb.append(shape[i]).append(i + 1 < shape.length ? "," : "");
    }
    return sb.append(']').toString();
  }

  private static String render(Object value) {
    String json = Json.write(value);
    return json.length() > 100 ? json.substring(0, 97) + "..." : json;
  }

  static String kind(Object value) {
    return switch (value) {
      case null -> "null";
      case Map<?, ?> _ -> "object";
      case List<?> _ -> "array";
      case String _ -> "string";
      case Boolean _ -> "boolean";
      default -> "number";
    };
  }
}
