package dev.kiln.bench;

import dev.kiln.runtime.tokenize.Gpt2Tokenizer;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.util.Arrays;

/** GPT-2 BPE tokens of the stdlib's bundled Pride and Prejudice, the benchmarks' text. */
final class Gpt2Text {
  private Gpt2Text() {}

  static Gpt2Tokenizer tokenizer() {
    return Gpt2Tokenizer.load(
        new ByteArrayInputStream(Resources.bytes("tokenizers/gpt2/encoder.json")),
        new ByteArrayInputStream(Resources.bytes("tokenizers/gpt2/vocab.bpe")));
  }

  /** The first {@code count} tokens of the novel. */
  static int[] tokens(int count) {
    String text = Resources.text("corpus/austen-pride-and-prejudice.txt");
    Gpt2Tokenizer tok = tokenizer();
    // About 4 characters a token in English prose; take more until there are enough.
    for (int chars = 6 * count + 100; ; chars *= 2) {
      int[] ids = tok.encode(text.substring(0, Math.min(chars, text.length())));
      if (ids.length >= count) {
        return Arrays.copyOf(ids, count);
      }
      if (chars >= text.length()) {
        throw new IllegalArgumentException(
            "the corpus has " + ids.length + " tokens, fewer than " + count);
      }
    }
  }
}
