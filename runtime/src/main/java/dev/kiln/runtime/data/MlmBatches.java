package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import java.util.List;

/**
 * BERT pre-training batches: sentence pairs {@code [CLS] A [SEP] B [SEP]} where B is the next text
 * half of the time and a random sentence otherwise (next-sentence label 0 = is next, 1 = random, as
 * HuggingFace), and masked-LM targets: 15% of the non-special positions are selected; of those 80%
 * become [MASK], 10% a random token and 10% stay; labels hold the original id there and -100
 * elsewhere. Inputs: ids, segments, lengths, mlm_labels, nsp_labels; padding is [PAD].
 *
 * @param documents tokenised sentences (no special tokens), grouped by document
 */
public record MlmBatches(
    List<List<int[]>> documents, int vocab, int cls, int sep, int mask, int pad, long seed) {

  public MlmBatches {
    if (documents.stream().mapToInt(List::size).sum() < 2) {
      throw new KilnException("BERT pre-training needs at least two sentences of text");
    }
  }

  /** Batch {@code index}: ids, segments, lengths, mlm_labels [batch, seq] and nsp_labels [batch]. */
  public java.util.Map<String, Tensor> batch(long index, int batch, int seq) {
    if (seq < 8) {
      throw new KilnException("sequence length " + seq + " is too short for sentence pairs");
    }
    int[] ids = new int[batch * seq];
    int[] segments = new int[batch * seq];
    int[] lengths = new int[batch];
    int[] labels = new int[batch * seq];
    int[] nsp = new int[batch];
    java.util.Arrays.fill(ids, pad);
    java.util.Arrays.fill(labels, -100);
    long s = Rng.derive(seed, index);
    long draw = 0;
    for (int b = 0; b < batch; b++) {
      int d = pickDocument(s, draw++);
      List<int[]> doc = documents.get(d);
      int i = (int) Math.floorMod(Rng.bits(s, draw++), (long) Math.max(1, doc.size() - 1));
      int[] a = doc.get(i);
      boolean next = doc.size() > 1 && Rng.uniform(s, draw++) < 0.5;
      int[] bSent;
      if (next) {
        bSent = doc.get(i + 1);
      } else {
        List<int[]> other = documents.get(pickDocument(s, draw++));
        bSent = other.get((int) Math.floorMod(Rng.bits(s, draw++), (long) other.size()));
      }
      nsp[b] = next ? 0 : 1;
      int budget = seq - 3;
      int la = a.length;
      int lb = bSent.length;
      while (la + lb > budget) { // truncate the longer one first, as BERT does
        if (la > lb) {
          la--;
        } else {
          lb--;
        }
      }
      int o = b * seq;
      int t = 0;
      ids[o + t++] = cls;
      for (int k = 0; k < la; k++) {
        ids[o + t++] = a[k];
      }
      ids[o + t++] = sep;
      for (int k = 0; k < lb; k++) {
        segments[o + t] = 1;
        ids[o + t++] = bSent[k];
      }
      segments[o + t] = 1;
      ids[o + t++] = sep;
      lengths[b] = t;
      for (int k = 0; k < t; k++) {
        int id = ids[o + k];
        if (id == cls || id == sep || Rng.uniform(s, draw++) >= 0.15) {
          continue;
        }
        labels[o + k] = id;
        double r = Rng.uniform(s, draw++);
        if (r < 0.8) {
          ids[o + k] = mask;
        } else if (r < 0.9) {
          ids[o + k] = (int) Math.floorMod(Rng.bits(s, draw++), (long) vocab);
        }
      }
    }
    java.util.Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    out.put("ids", new Tensor.I32(new int[] {batch, seq}, ids));
    out.put("segments", new Tensor.I32(new int[] {batch, seq}, segments));
    out.put("lengths", new Tensor.I32(new int[] {batch}, lengths));
    out.put("mlm_labels", new Tensor.I32(new int[] {batch, seq}, labels));
    out.put("nsp_labels", new Tensor.I32(new int[] {batch}, nsp));
    return out;
  }

  private int pickDocument(long s, long draw) {
    for (long k = 0; ; k++) {
      int d = (int) Math.floorMod(Rng.bits(s, draw * 31 + k), (long) documents.size());
      if (!documents.get(d).isEmpty()) {
        return d;
      }
    }
  }
}
