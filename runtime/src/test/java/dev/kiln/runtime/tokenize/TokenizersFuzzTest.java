package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.runtime.KilnException;

/**
 * Fuzz targets for the tokenizers on arbitrary text (lone surrogates, control characters, any
 * script): GPT-2's byte-level BPE is lossless, so decoding what it encoded gives the text back;
 * WordPiece always produces ids inside its vocabulary, and decoding known ids never fails. Corpus:
 * {@code src/test/resources/dev/kiln/runtime/tokenize/TokenizersFuzzTestInputs/}; fuzz longer with
 * {@code JAZZER_FUZZ=1 mvn -pl runtime test -Dtest=TokenizersFuzzTest#gpt2RoundTrip -Djazzer.max_duration=10m}.
 */
class TokenizersFuzzTest {
  @FuzzTest
  void gpt2RoundTrip(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Gpt2Tokenizer t = TokenizeTestData.gpt2();
    int[] ids = t.encode(text);
    // Unpaired surrogates are not valid UTF-16 text: they encode as U+FFFD, like any UTF-8 encoder.
    String valid = new String(
        text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(valid, t.decode(ids));
  }

  @FuzzTest
  void wordPieceIdsAreInTheVocabulary(FuzzedDataProvider data) {
    String a = data.consumeString(500);
    String b = data.consumeRemainingAsString();
    WordPieceTokenizer t = TokenizeTestData.bert();
    for (int id : t.encode(a)) {
      if (id < 0 || id >= t.vocabSize()) {
        throw new AssertionError("id " + id + " outside the vocabulary for " + a);
      }
    }
    try {
      t.encodePair(a, b, 64);
    } catch (KilnException e) {
      if (e.getMessage() == null) {
        throw e;
      }
    }
    t.decode(t.encode(b));
  }
}
