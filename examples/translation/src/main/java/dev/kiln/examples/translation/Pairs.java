package dev.kiln.examples.translation;

import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.PairBatches;
import java.util.ArrayList;
import java.util.List;

/**
 * Source/target sentence pairs as character ids shifted past three special ids: 0 padding, 1 begin
 * and 2 end of sequence (the ids {@link PairBatches} and {@link
 * dev.kiln.runtime.generate.BeamSearch} use).
 */
record Pairs(List<String> sources, List<String> targets) {
  static final int PAD = 0;
  static final int BOS = 1;
  static final int EOS = 2;
  static final int SPECIALS = 3;

  /**
   * The last two tab-separated columns of each line, keeping pairs whose sides are both shorter
   * than {@code maxChars}.
   */
  static Pairs parse(String tsv, int maxChars) {
    List<String> src = new ArrayList<>();
    List<String> tgt = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      String[] cols = line.split("\t");
      if (cols.length >= 2) {
        String s = cols[cols.length - 2].strip();
        String t = cols[cols.length - 1].strip();
        if (s.length() < maxChars && t.length() < maxChars) {
          src.add(s);
          tgt.add(t);
        }
      }
    }
    return new Pairs(src, tgt);
  }

  int size() {
    return sources.size();
  }

  /** Every {@code n}-th pair (from {@code offset}) when {@code take}, or all the others. */
  Pairs everyNth(int n, int offset, boolean take) {
    List<String> src = new ArrayList<>();
    List<String> tgt = new ArrayList<>();
    for (int i = 0; i < size(); i++) {
      if ((i % n == offset) == take) {
        src.add(sources.get(i));
        tgt.add(targets.get(i));
      }
    }
    return new Pairs(src, tgt);
  }

  /** Batches of these pairs for the encoder-decoder. */
  PairBatches batches(CharTokenizer chars, long seed) {
    return new PairBatches(encode(sources, chars), encode(targets, chars), BOS, EOS, seed);
  }

  static List<int[]> encode(List<String> texts, CharTokenizer chars) {
    return texts.stream().map(t -> encode(t, chars)).toList();
  }

  static int[] encode(String text, CharTokenizer chars) {
    return shift(chars.encode(text));
  }

  /** Ids back to text, dropping the special ids. */
  static String decode(int[] ids, CharTokenizer chars) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id >= SPECIALS) {
        sb.append(chars.decode(id - SPECIALS));
      }
    }
    return sb.toString();
  }

  private static int[] shift(int[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i] + SPECIALS;
    }
    return out;
  }
}
