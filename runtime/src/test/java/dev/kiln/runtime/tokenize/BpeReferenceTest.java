package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Bpe}'s heap-based merging against a line-by-line transcription of OpenAI's Python loop,
 * on random merge tables whose ranks are shuffled so that merges can come before their parts.
 */
class BpeReferenceTest {
  /** OpenAI's {@code Encoder.bpe}: merge all occurrences of the lowest-ranked pair, repeat. */
  private static List<String> pythonBpe(List<String> word, Map<String, Integer> ranks) {
    List<String> w = new ArrayList<>(word);
    while (w.size() > 1) {
      String best = null;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < w.size(); i++) {
        Integer r = ranks.get(w.get(i) + " " + w.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = w.get(i) + " " + w.get(i + 1);
        }
      }
      if (best == null) {
        break;
      }
      String first = best.substring(0, best.indexOf(' '));
      String second = best.substring(best.indexOf(' ') + 1);
      List<String> merged = new ArrayList<>();
      for (int i = 0; i < w.size(); ) {
        if (i + 1 < w.size() && w.get(i).equals(first) && w.get(i + 1).equals(second)) {
          merged.add(first + second);
          i += 2;
        } else {
          merged.add(w.get(i++));
        }
      }
      w = merged;
    }
    return w;
  }

  @Test
  void heapMergingEqualsPythonLoop() {
    Random random = new Random(7);
    for (int table = 0; table < 30; table++) {
      List<String> symbols = new ArrayList<>(List.of("a", "b", "c"));
      List<String[]> merges = new ArrayList<>();
      for (int k = 0; k < 40; k++) {
        String x = symbols.get(random.nextInt(symbols.size()));
        String y = symbols.get(random.nextInt(symbols.size()));
        merges.add(new String[] {x, y});
        if (!symbols.contains(x + y)) {
          symbols.add(x + y);
        }
      }
      if (table % 2 == 1) {
        Collections.shuffle(merges, random); // ranks out of creation order
      }
      Map<String, Integer> ids = new HashMap<>();
      Map<String, Integer> ranks = new HashMap<>();
      for (String s : symbols) {
        ids.put(s, ids.size());
      }
      int[] left = new int[merges.size()];
      int[] right = new int[merges.size()];
      int[] merged = new int[merges.size()];
      for (int r = 0; r < merges.size(); r++) {
        String[] m = merges.get(r);
        left[r] = ids.get(m[0]);
        right[r] = ids.get(m[1]);
        merged[r] = ids.get(m[0] + m[1]);
        ranks.put(m[0] + " " + m[1], r); // the last of repeated lines wins, as in Python's dict
      }
      Bpe bpe = new Bpe(left, right, merged);
      for (int trial = 0; trial < 200; trial++) {
        List<String> word = new ArrayList<>();
        int n = 1 + random.nextInt(trial < 100 ? 12 : 80);
        for (int i = 0; i < n; i++) {
          word.add(String.valueOf("abc".charAt(trial % 3 == 0 ? 0 : random.nextInt(3))));
        }
        int[] expected = pythonBpe(word, ranks).stream().mapToInt(ids::get).toArray();
        int[] start = word.stream().mapToInt(ids::get).toArray();
        assertArrayEquals(
            expected, bpe.merge(start), "table " + table + ", word " + String.join("", word));
      }
    }
  }

  @Test
  void longPiecesMatchR50k() {
    // Long unbroken pieces are where a quadratic merge loop would crawl; check them against
    // tiktoken's port.
    Random random = new Random(11);
    StringBuilder letters = new StringBuilder();
    StringBuilder digits = new StringBuilder(" ");
    for (int i = 0; i < 20_000; i++) {
      letters.append((char) ('a' + random.nextInt(26)));
      digits.append((char) ('0' + random.nextInt(10)));
    }
    var r50k = com.knuddels.jtokkit.Encodings.newDefaultEncodingRegistry()
        .getEncoding(com.knuddels.jtokkit.api.EncodingType.R50K_BASE);
    for (String text :
        List.of(letters.toString(), digits.toString(), "ab".repeat(5000), "é".repeat(3000))) {
      int[] ours = TokenizeTestData.gpt2().encode(text);
      assertArrayEquals(r50k.encodeOrdinary(text).toArray(), ours);
      assertEquals(text, TokenizeTestData.gpt2().decode(ours));
    }
  }
}
