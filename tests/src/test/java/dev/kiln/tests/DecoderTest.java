package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generated KV-cache decoder gives the logits a full forward pass gives, position by position,
 * for dense and banded causal layers, with a prompt decoded at once and tokens one at a time.
 */
class DecoderTest {
  @Test
  void cachedDecodingMatchesFullForwardPasses() {
    TinyGptModel m = new TinyGptModel();
    m.initialize(5);
    int batch = 2;
    int len = 14; // longer than the banded layer's window of 4
    int prompt = 5;
    int[] seq = new int[batch * len];
    for (int i = 0; i < seq.length; i++) {
      seq[i] = (int) (Rng.uniform(9, i) * TinyGptModel.VOCAB);
    }
    int vocab = TinyGptModel.VOCAB;
    m.forward(
        Map.of(
            "tokens",
            new Tensor.I32(new int[] {batch, len}, seq),
            "targets",
            new Tensor.I32(new int[] {batch, len}, new int[batch * len])),
        false);
    float[] full = m.logits().data();
    // Prefill the prompt, then one token per call.
    int[] first = new int[batch * prompt];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(seq, b * len, first, b * prompt, prompt);
    }
    float[] got = m.decode(first, batch, prompt, 0);
    check(full, got, batch, len, vocab, prompt - 1);
    for (int t = prompt; t < len; t++) {
      int[] next = new int[batch];
      for (int b = 0; b < batch; b++) {
        next[b] = seq[b * len + t];
      }
      got = m.decode(next, batch, 1, t);
      check(full, got, batch, len, vocab, t);
    }
  }

  private static void check(float[] full, float[] got, int batch, int len, int vocab, int t) {
    for (int b = 0; b < batch; b++) {
      for (int v = 0; v < vocab; v++) {
        float want = full[(b * len + t) * vocab + v];
        assertEquals(
            want,
            got[b * vocab + v],
            1e-5f * Math.max(1f, Math.abs(want)),
            "batch " + b + " position " + t + " token " + v);
      }
    }
  }

  @Test
  void decodingPastTheCacheIsAClearError() {
    TinyGptModel m = new TinyGptModel();
    m.initialize(1);
    var e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.kiln.runtime.KilnException.class, () -> m.decode(new int[] {1}, 1, 1, 32));
    assertFalse(e.getMessage().isEmpty());
    assertTrue(
        e.getMessage().contains("cannot decode positions 32..33 with a cache of 32"),
        e.getMessage());
  }
}
