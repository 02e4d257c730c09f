package dev.kiln.runtime.tokenize;

import java.util.OptionalInt;

/** Turns text into token ids and back, for feeding a language model and reading its output. */
public interface Tokenizer {
  /** The ids of {@code text}, without any special tokens added. */
  int[] encode(String text);

  /**
   * The text of {@code ids}. Throws {@link dev.kiln.runtime.KilnException} naming the first id
   * outside the vocabulary.
   */
  String decode(int[] ids);

  /** One more than the largest token id. */
  int vocabSize();

  /** A short name of the scheme, such as {@code gpt2} or {@code bert-wordpiece}. */
  String name();

  /**
   * The id of a vocabulary entry spelled exactly {@code token}, as in the vocabulary file: meant
   * for special tokens such as {@code <|endoftext|>} or {@code [CLS]}.
   */
  OptionalInt tokenId(String token);
}
