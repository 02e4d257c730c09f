package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * A character-level tokenizer for small demos: one token per distinct character (code point) of a
 * text, ids in code-point order. Its vocabulary is stored as a string so checkpoints can carry it.
 */
public final class CharTokenizer {
  private final int[] codePoints;
  private final Map<Integer, Integer> ids;

  private CharTokenizer(int[] codePoints) {
    this.codePoints = codePoints;
    this.ids = new java.util.HashMap<>();
    for (int i = 0; i < codePoints.length; i++) {
      ids.put(codePoints[i], i);
    }
  }

  /** The tokenizer whose vocabulary is every character of {@code text}. */
  public static CharTokenizer fit(String text) {
    TreeSet<Integer> set = new TreeSet<>();
    text.codePoints().forEach(set::add);
    if (set.isEmpty()) {
      throw new KilnException("cannot build a character vocabulary from empty text");
    }
    return new CharTokenizer(set.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The tokenizer with exactly these characters, in this order (as saved by {@link #vocabulary()}). */
  public static CharTokenizer of(String vocabulary) {
    return new CharTokenizer(vocabulary.codePoints().toArray());
  }

  /** The vocabulary as a string, character {@code i} being token {@code i}. */
  public String vocabulary() {
    return new String(codePoints, 0, codePoints.length);
  }

  public int size() {
    return codePoints.length;
  }

  public int[] encode(String text) {
    return text.codePoints()
        .map(c -> {
          Integer id = ids.get(c);
          if (id == null) {
            throw new KilnException("character " + Character.toString(c) + " (U+"
                + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                + ") is not in the tokenizer's vocabulary");
          }
          return id;
        })
        .toArray();
  }

  public String decode(int... tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      if (t < 0 || t >= codePoints.length) {
        throw new KilnException(
            "token id " + t + " is outside the vocabulary [0, " + codePoints.length + ")");
      }
      sb.appendCodePoint(codePoints[t]);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "CharTokenizer"
        + Arrays.toString(codePoints.length > 8 ? Arrays.copyOf(codePoints, 8) : codePoints);
  }
}
