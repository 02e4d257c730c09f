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
    int[] ids = symbols.length == 1 ? symbols : merge(symbols);
    if (cache.size() >= CACHE_LIMIT) {
      cache.clear();
    }
    cache.put(piece, ids);
    return ids;
  }

  /**
   * Python's loop (merge every occurrence of the lowest-ranked pair, left to right, then look
   * again) in O(n log n) rather than O(n * merges): a heap of (rank, position) over a linked list.
   * A rank is merged in one round and the pairs it creates are queued only after the round, so
   * overlapping runs such as "a a a" and vocabularies with out-of-order ranks behave as in Python.
   */
  int[] merge(int[] symbols) {
    int n = symbols.length;
    int[] sym = symbols.clone();
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      push(heap, sym, next, i);
    }
    int[] touched = new int[n];
    while (!heap.isEmpty()) {
      int rank = (int) (heap.peek() >>> 32);
      int count = 0;
      while (!heap.isEmpty() && (int) (heap.peek() >>> 32) == rank) {
        int at = (int) heap.pop();
        int after = next[at];
        // Stale entries: the left node was merged away, or either side changed since queued.
        if (sym[at] < 0 || after < 0 || sym[at] != left[rank] || sym[after] != right[rank]) {
          continue;
        }
        sym[at] = merged[rank];
        sym[after] = -1;
        next[at] = next[after];
        if (next[after] >= 0) {
          prev[next[after]] = at;
        }
        touched[count++] = at;
      }
      for (int k = 0; k < count; k++) {
        int at = touched[k];
        if (sym[at] >= 0) {
          if (prev[at] >= 0) {
            push(heap, sym, next, prev[at]);
          }
          push(heap, sym, next, at);
        }
      }
    }
    int[] out = new int[n];
    int m = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      out[m++] = sym[i];
    }
    return java.util.Arrays.copyOf(out, m);
  }

  private void push(LongHeap heap, int[] sym, int[] next, int at) {
    if (next[at] >= 0) {
      Integer rank = rankOfPair.get(pair(sym[at], sym[next[at]]));
      if (rank != null) {
        heap.push(((long) rank << 32) | at);
      }
    }
  }

  private static long pair(int a, int b) {
    return ((long) a << 32) | (b & 0xffffffffL);
  }
}
