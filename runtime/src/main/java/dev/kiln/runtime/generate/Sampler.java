package dev.kiln.runtime.generate;

import dev.kiln.runtime.Rng;
import java.util.Arrays;

/**
 * Picks the next token from a row of logits: greedy (temperature 0), or sampled at a temperature
 * after top-k and nucleus (top-p) filtering, from a seeded counter-based stream so a seed always
 * gives the same text.
 */
public final class Sampler {
  private final double temperature;
  private final int topK;
  private final double topP;
  private final long seed;
  private long drawn;

  /** {@code topK <= 0} and {@code topP >= 1} disable those filters; {@code temperature == 0} is greedy. */
  public Sampler(double temperature, int topK, double topP, long seed) {
    if (temperature < 0 || topP <= 0 || topP > 1) {
      throw new IllegalArgumentException("need temperature >= 0 and 0 < top_p <= 1");
    }
    this.temperature = temperature;
    this.topK = topK;
    this.topP = topP;
    this.seed = seed;
  }

  /** The next token id given {@code vocab} logits at {@code off} of {@code logits}. */
  public int next(float[] logits, int off, int vocab) {
    if (temperature == 0) {
      int best = 0;
      for (int i = 1; i < vocab; i++) {
        if (logits[off + i] > logits[off + best]) {
          best = i;
        }
      }
      return best;
    }
    Integer[] order = new Integer[vocab];
    for (int i = 0; i < vocab; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(logits[off + b], logits[off + a]));
    int keep = topK > 0 ? Math.min(topK, vocab) : vocab;
    double max = logits[off + order[0]] / temperature;
    double[] p = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(logits[off + order[i]] / temperature - max);
      total += p[i];
    }
    double cumulative = 0;
    int nucleus = keep;
    for (int i = 0; i < keep; i++) {
      cumulative += p[i] / total;
      if (cumulative >= topP) {
        nucleus = i + 1;
        break;
      }
    }
    double mass = 0;
    for (int i = 0; i < nucleus; i++) {
      mass += p[i];
    }
    double u = Rng.uniform(seed, drawn++) * mass;
    for (int i = 0; i < nucleus; i++) {
      u -= p[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[nucleus - 1];
  }
}
