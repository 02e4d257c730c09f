package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.PairBatches;
import java.util.ArrayList;
import java.util.List;

/**
 * Tab-separated source/target pairs (the last two columns of each line: e.g. the bundled
 * English–Spanish verse file) as character ids shifted past three special ids: 0 padding, 1 begin,
 * 2 end of sequence.
 */
final class PairData {
  static final int SPECIALS = 3;
  static final int BOS = 1;
  static final int EOS = 2;

  private PairData() {}

  static PairBatches pairs(String tsv, CharTokenizer chars, long seed) {
    List<int[]> src = new ArrayList<>();
    List<int[]> tgt = new ArrayList<>();
    int line = 0;
    for (String l : tsv.split("\n")) {
      line++;
      if (l.isBlank()) {
        continue;
      }
      String[] cols = l.split("\t");
      if (cols.length < 2) {
        throw new KilnException(
            "pair file line " + line + ": expected tab-separated source and target");
      }
      src.add(shift(chars.encode(cols[cols.length - 2].strip())));
      tgt.add(shift(chars.encode(cols[cols.length - 1].strip())));
    }
    return new PairBatches(src, tgt, BOS, EOS, seed);
  }

  static int[] shift(int[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i] + SPECIALS;
    }
    return out;
  }

  static int[] unshift(int[] ids) {
    List<Integer> out = new ArrayList<>();
    for (int id : ids) {
      if (id >= SPECIALS) {
        out.add(id - SPECIALS);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
