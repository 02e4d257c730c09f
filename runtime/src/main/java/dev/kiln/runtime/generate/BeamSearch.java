package dev.kiln.runtime.generate;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoding for encoder-decoder models ({@code src, src_lengths, tgt, labels}): greedy (beam 1) or
 * beam search scored by log-probability over the GNMT length penalty {@code ((5+len)/6)^alpha}
 * (the Transformer paper: beam 4, alpha 0.6). Each step re-runs the model on every live beam.
 */
public final class BeamSearch {
  private BeamSearch() {}

  private record Hyp(int[] tokens, double logProb, boolean done) {
    double score(double alpha) {
      return logProb / Math.pow((5.0 + tokens.length) / 6.0, alpha);
    }
  }

  /** The best target for {@code src} (ids without the end token), stopping at {@code eos} or {@code maxLen}. */
  public static int[] translate(
      Model m, int[] src, int bos, int eos, int maxLen, int beam, double alpha) {
    List<Hyp> beams = List.of(new Hyp(new int[0], 0, false));
    for (int step = 0; step < maxLen; step++) {
      List<Hyp> live = beams.stream().filter(h -> !h.done()).toList();
      if (live.isEmpty()) {
        break;
      }
      float[][] logits = lastLogits(m, src, bos, eos, live);
      List<Hyp> next = new ArrayList<>(beams.stream().filter(Hyp::done).toList());
      for (int i = 0; i < live.size(); i++) {
        double[] logp = logSoftmax(logits[i]);
        Integer[] order = new Integer[logp.length];
        for (int v = 0; v < logp.length; v++) {
          order[v] = v;
        }
        Arrays.sort(order, Comparator.comparingDouble(v -> -logp[v]));
        for (int k = 0; k < Math.min(beam, order.length); k++) {
          int v = order[k];
          Hyp h = live.get(i);
          int[] t = Arrays.copyOf(h.tokens(), h.tokens().length + 1);
          t[t.length - 1] = v;
          next.add(new Hyp(t, h.logProb() + logp[v], v == eos));
        }
      }
      next.sort(Comparator.comparingDouble((Hyp h) -> -h.score(alpha)));
      beams = next.subList(0, Math.min(beam, next.size()));
    }
    int[] best = beams.getFirst().tokens();
    return best.length > 0 && best[best.length - 1] == eos
        ? Arrays.copyOf(best, best.length - 1)
        : best;
  }

  private static float[][] lastLogits(Model m, int[] src, int bos, int eos, List<Hyp> live) {
    int b = live.size();
    int s = src.length + 1;
    int t = live.getFirst().tokens().length + 1;
    int[] srcIds = new int[b * s];
    int[] tgt = new int[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(src, 0, srcIds, i * s, src.length);
      srcIds[i * s + src.length] = eos; // the source ends like a training source
      tgt[i * t] = bos;
      System.arraycopy(live.get(i).tokens(), 0, tgt, i * t + 1, t - 1);
    }
    int[] lengths = new int[b];
    Arrays.fill(lengths, s);
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("src", new Tensor.I32(new int[] {b, s}, srcIds));
    in.put("src_lengths", new Tensor.I32(new int[] {b}, lengths));
    in.put("tgt", new Tensor.I32(new int[] {b, t}, tgt));
    in.put("labels", new Tensor.I32(new int[] {b, t}, new int[b * t]));
    m.forward(in, false);
    Tensor.F32 logits = (Tensor.F32) m.output("logits");
    int vocab = logits.shape()[2];
    float[][] out = new float[b][];
    for (int i = 0; i < b; i++) {
      int off = (i * t + t - 1) * vocab;
      out[i] = Arrays.copyOfRange(logits.data(), off, off + vocab);
    }
    return out;
  }

  private static double[] logSoftmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : z) {
      sum += Math.exp(v - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      out[i] = z[i] - lse;
    }
    return out;
  }
}
