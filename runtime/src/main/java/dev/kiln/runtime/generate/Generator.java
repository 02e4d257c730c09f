package dev.kiln.runtime.generate;

import dev.kiln.runtime.Decoder;
import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Causal generation. Models the compiler could give a KV-cache decoder ({@link Decoder}) run the
 * prompt once and then only each new token; others are re-run over the most recent {@code ctx}
 * tokens for every new one (also the reference the cached path is tested against).
 */
public final class Generator {
  private Generator() {}

  /**
   * Extends {@code prompt} by up to {@code maxNew} tokens, stopping early at {@code stop} (when >= 0).
   * The model's first integer input receives the tokens; any other integer input [B, T] (targets) gets
   * zeros; {@code logits} names the [B, T, V] output.
   */
  public static int[] generate(
      Model m, int[] prompt, int maxNew, int ctx, Sampler sampler, int stop, String logits) {
    ModelSpec spec = m.spec();
    if (spec.output(logits) == null) {
      throw new KilnException(
          "model " + spec.name() + " has no output '" + logits + "' to sample from");
    }
    if (prompt.length == 0) {
      throw new KilnException("the prompt is empty");
    }
    if (m instanceof Decoder d && prompt.length + maxNew <= d.maxPositions()) {
      return cached(d, prompt, maxNew, sampler, stop);
    }
    int[] seq = Arrays.copyOf(prompt, prompt.length + maxNew);
    int n = prompt.length;
    for (int k = 0; k < maxNew; k++) {
      int from = Math.max(0, n - ctx);
      int t = n - from;
      Map<String, Tensor> in = new LinkedHashMap<>();
      boolean first = true;
      for (ModelSpec.InputSpec is : spec.inputs()) {
        int[] data = first ? Arrays.copyOfRange(seq, from, n) : new int[t];
        in.put(is.name(), new Tensor.I32(new int[] {1, t}, data));
        first = false;
      }
      m.forward(in, false);
      Tensor.F32 out = (Tensor.F32) m.output(logits);
      int vocab = out.shape()[2];
      int next = sampler.next(out.data(), (t - 1) * vocab, vocab);
      seq[n++] = next;
      if (next == stop) {
        break;
      }
    }
    return Arrays.copyOf(seq, n);
  }

  private static int[] cached(Decoder d, int[] prompt, int maxNew, Sampler sampler, int stop) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + maxNew);
    float[] logits = d.decode(prompt, 1, prompt.length, 0);
    int n = prompt.length;
    for (int k = 0; k < maxNew; k++) {
      int next = sampler.next(logits, 0, logits.length);
      seq[n++] = next;
      if (next == stop || k == maxNew - 1) {
        break;
      }
      logits = d.decode(new int[] {next}, 1, 1, n - 1);
    }
    return Arrays.copyOf(seq, n);
  }
}
