package dev.kiln.runtime.tokenize;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair merging over token ids: repeatedly merges every occurrence of the adjacent pair with
 * the lowest merge rank, as OpenAI's {@code Encoder.bpe} does, with a bounded cache per piece.
 */
final class Bpe {
  // Pre-tokenized pieces repeat heavily in real text (" the", ","), so caching makes a whole
  // novel cost little more than its distinct words; the bound keeps hostile input from hoarding.
  private static final int CACHE_LIMIT = 1 << 16;

  private final Map<Long, Integer> rankOfPair;
  private final int[] left;
  private final int[] right;
  private final int[] merged;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /** Merge {@code r} joins {@code left[r]} and {@code right[r]} into {@code merged[r]}. */
  Bpe(int[] left, int[] right, int[] merged) {
    this.left = left;
    this.right = right;
    this.merged = merged;
    this.rankOfPair = new HashMap<>(left.length * 2);
    for (int r = 0; r < left.length; r++) {
      // A repeated merge line takes its last rank, as Python's dict(zip(merges, ranks)) does.
      rankOfPair.put(pair(left[r], right[r]), r);
    }
  }

  int size() {
    return left.length;
  }

  /** The merged ids of one pre-tokenized piece whose bytes spell {@code symbols}; never mutated by callers. */
  int[] apply(String piece, int[] symbols) {
    int[] hit = cache.get(piece);
    if (hit != null) {
      return hit;
    }
    int[] ids = merge(symbols);
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    cache.put(piece, ids);
    return ids;
  }

  private int[] merge(int[] symbols) {
    int[] w = symbols.clone();
    int n = w.length;
    while (n > 1) {
      int best = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        Integer r = rankOfPair.get(pair(w[i], w[i + 1]));
        if (r != null && r < best) {
          best = r;
        }
      }
      if (best == Integer.MAX_VALUE) {
        break;
      }
      int a = left[best];
      int b = right[best];
      int j = 0;
      for (int i = 0; i < n; ) {
        if (i + 1 < n && w[i] == a && w[i + 1] == b) {
          w[j++] = merged[best];
          i += 2;
        } else {
          w[j++] = w[i++];
        }
      }
      n = j;
    }
    return java.util.Arrays.copyOf(w, n);
  }

  private static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }
}
