package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Source/target pairs for an encoder-decoder: {@code src} (source ids then EOS, padded with 0),
 * {@code src_lengths}, {@code tgt} (BOS then the target, the decoder's input) and {@code labels}
 * (the target then EOS, 0 = padding, ignored by the loss). Pairs longer than the sequence limits are
 * truncated; batch {@code k} of a seed is always the same.
 */
public record PairBatches(List<int[]> sources, List<int[]> targets, int bos, int eos, long seed) {
  public PairBatches {
    if (sources.isEmpty() || sources.size() != targets.size()) {
      throw new KilnException("need as many targets as sources, and at least one pair (got "
          + sources.size() + " and " + targets.size() + ")");
    }
  }

  public Map<String, Tensor> batch(long index, int batch, int srcLen, int tgtLen) {
    int[] src = new int[batch * srcLen];
    int[] lengths = new int[batch];
    int[] tgt = new int[batch * tgtLen];
    int[] labels = new int[batch * tgtLen];
    long s = Rng.derive(seed, index);
    for (int b = 0; b < batch; b++) {
      int k = (int) Math.floorMod(Rng.bits(s, b), (long) sources.size());
      int[] x = sources.get(k);
      int[] y = targets.get(k);
      int n = Math.min(x.length, srcLen - 1);
      System.arraycopy(x, 0, src, b * srcLen, n);
      src[b * srcLen + n] = eos;
      lengths[b] = n + 1;
      int m = Math.min(y.length, tgtLen - 1);
      tgt[b * tgtLen] = bos;
      System.arraycopy(y, 0, tgt, b * tgtLen + 1, m);
      System.arraycopy(y, 0, labels, b * tgtLen, m);
      labels[b * tgtLen + m] = eos;
    }
    Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    out.put("src", new Tensor.I32(new int[] {batch, srcLen}, src));
    out.put("src_lengths", new Tensor.I32(new int[] {batch}, lengths));
    out.put("tgt", new Tensor.I32(new int[] {batch, tgtLen}, tgt));
    out.put("labels", new Tensor.I32(new int[] {batch, tgtLen}, labels));
    return out;
  }

  /** A synthetic task for tests: random sequences of ids in [3, vocab) and their reverses. */
  public static PairBatches reversal(int count, int minLen, int maxLen, int vocab, long seed) {
    List<int[]> src = new java.util.ArrayList<>();
    List<int[]> tgt = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      int len = minLen + (int) Math.floorMod(Rng.bits(seed, i), (long) (maxLen - minLen + 1));
      int[] x = new int[len];
      int[] y = new int[len];
      for (int j = 0; j < len; j++) {
        x[j] = 3 + (int) Math.floorMod(Rng.bits(Rng.derive(seed, i), j), (long) (vocab - 3));
      }
      for (int j = 0; j < len; j++) {
        y[j] = x[len - 1 - j];
      }
      src.add(x);
      tgt.add(y);
    }
    return new PairBatches(src, tgt, 1, 2, seed);
  }
}
