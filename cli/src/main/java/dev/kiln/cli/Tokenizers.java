package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.tokenize.CharTokenizers;
import dev.kiln.runtime.tokenize.Gpt2Tokenizer;
import dev.kiln.runtime.tokenize.Tokenizer;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokenizers by name — {@code char} (fitted to the training text), {@code gpt2} (byte-level BPE),
 * {@code bert} (uncased WordPiece), or a path to a folder with {@code encoder.json} and
 * {@code vocab.bpe} or to a {@code vocab.txt} — and their description saved in checkpoints.
 */
final class Tokenizers {
  private Tokenizers() {}

  /** The tokenizer a model family uses by default. */
  static String defaultFor(String model) {
    String m = model.toLowerCase(java.util.Locale.ROOT);
    if (m.startsWith("bert") || m.startsWith("minilm")) {
      return "bert";
    }
    if (m.startsWith("gpt2") || m.startsWith("gpt3")) {
      return "gpt2";
    }
    return "char";
  }

  /** Builds tokenizer {@code spec}; {@code text} fits a char tokenizer (may be null otherwise). */
  static Tokenizer build(String spec, String text) {
    return switch (spec) {
      case "char" -> {
        if (text == null) {
          throw new KilnException("the char tokenizer is fitted to training text; give --data");
        }
        yield CharTokenizers.of(CharTokenizer.fit(text));
      }
      case "gpt2" ->
        Gpt2Tokenizer.load(
            new ByteArrayInputStream(Resources.bytes("tokenizers/gpt2/encoder.json")),
            new ByteArrayInputStream(Resources.bytes("tokenizers/gpt2/vocab.bpe")));
      case "bert" ->
        WordPieceTokenizer.load(
            new ByteArrayInputStream(Resources.bytes("tokenizers/bert/vocab.txt")));
      default -> {
        Path p = Path.of(spec);
        if (Files.isDirectory(p) && Files.exists(p.resolve("encoder.json"))) {
          yield Gpt2Tokenizer.load(p);
        }
        if (Files.isRegularFile(p)) {
          yield WordPieceTokenizer.load(p);
        }
        throw new KilnException("unknown tokenizer '" + spec
            + "': use char, gpt2, bert, a folder with encoder.json and vocab.bpe, or a vocab.txt");
      }
    };
  }

  /** What a checkpoint records to rebuild the tokenizer. */
  static Map<String, Object> describe(String spec, Tokenizer t, CharTokenizer chars) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("kind", spec);
    d.put("vocab_size", t.vocabSize());
    if (chars != null) {
      d.put("vocabulary", chars.vocabulary());
    }
    return d;
  }

  /** Rebuilds a tokenizer from its checkpoint description. */
  static Tokenizer fromCheckpoint(Map<?, ?> d) {
    Object kind = d.get("kind");
    if ("char".equals(kind)) {
      return CharTokenizers.of(CharTokenizer.of((String) d.get("vocabulary")));
    }
    return build(String.valueOf(kind), null);
  }
}
