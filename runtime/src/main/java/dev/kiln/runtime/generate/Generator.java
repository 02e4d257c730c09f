package dev.kiln.runtime.generate;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Causal generation by re-running the model over the most recent {@code ctx} tokens for each new one.
 * (A KV-cached decoder that processes only the new token is planned; this loop is its reference.)
 */
public final class Generator {
  private Generator() {}

  /**
   * Extends {@code prompt} by up to {@code maxNew} tokens, stopping early at {@code stop} (when >= 0).
   * The model's first integer input receives the tokens; any other integer input [B, T] (targets) gets
   * zeros; {@code logits} names the [B, T, V] output.
   */
  public static int[] generate(Model m, int[] prompt, int maxNew, int ctx, Sampler sampler, int stop, String logits) {
    ModelSpec spec = m.spec();
    if (spec.output(logits) == null) {
      throw new KilnException("model " + spec.name() + " has no output '" + logits + "' to sample from");
    }
    if (prompt.length == 0) {
      throw new KilnException("the prompt is empty");
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
}
