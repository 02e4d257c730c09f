package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.data.CharTokenizer;
import java.util.OptionalInt;

/** Adapts the demo {@link CharTokenizer} to the {@link Tokenizer} interface. */
public final class CharTokenizers {
  private CharTokenizers() {}

  /** {@code chars} as a {@link Tokenizer}; {@link Tokenizer#tokenId} finds single characters. */
  public static Tokenizer of(CharTokenizer chars) {
    return new Adapter(chars, chars.vocabulary());
  }

  private record Adapter(CharTokenizer chars, String vocabulary) implements Tokenizer {
    @Override
    public int[] encode(String text) {
      return chars.encode(text);
    }

    @Override
    public String decode(int[] ids) {
      return chars.decode(ids);
    }

    @Override
    public int vocabSize() {
      return chars.size();
    }

    @Override
    public String name() {
      return "char";
    }

    @Override
    public OptionalInt tokenId(String token) {
      if (token.isEmpty() || token.codePointCount(0, token.length()) != 1) {
        return OptionalInt.empty();
      }
      int at = vocabulary.indexOf(token);
      return at < 0 ? OptionalInt.empty() : OptionalInt.of(vocabulary.codePointCount(0, at));
    }
  }
}
