package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link Gpt2Tokenizer} with jtokkit's r50k_base (a port of tiktoken, sharing no code
 * with ours) on Austen, hostile strings and seeded random strings, and checks lossless decoding.
 */
class Gpt2OracleTest {
  private static final Encoding R50K =
      Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

  private static void assertAllMatch(List<String> texts) {
    Gpt2Tokenizer gpt2 = TokenizeTestData.gpt2();
    List<String> mismatches = new ArrayList<>();
    for (String text : texts) {
      int[] expected = R50K.encodeOrdinary(text).toArray();
      int[] actual = gpt2.encode(text);
      if (!Arrays.equals(expected, actual)) {
        mismatches.add(dev.kiln.runtime.json.Json.quote(text) + ": r50k "
            + Arrays.toString(expected) + " but ours " + Arrays.toString(actual));
      }
    }
    assertTrue(
        mismatches.isEmpty(),
        mismatches.size() + " of " + texts.size() + " differ, e.g. "
            + mismatches.subList(0, Math.min(5, mismatches.size())));
  }

  private static void assertRoundTrips(List<String> texts) {
    Gpt2Tokenizer gpt2 = TokenizeTestData.gpt2();
    for (String text : texts) {
      assertEquals(text, gpt2.decode(gpt2.encode(text)));
      assertEquals(text, gpt2.decode(gpt2.encode(text, true)));
    }
  }

  @Test
  void persuasionParagraphsMatchR50k() {
    List<String> paragraphs = TokenizeTestData.persuasionParagraphs();
    assertTrue(paragraphs.size() > 500, "paragraphs: " + paragraphs.size());
    assertAllMatch(paragraphs);
  }

  @Test
  void persuasionLinesMatchR50k() {
    assertAllMatch(List.of(TokenizeTestData.corpus("austen-persuasion.txt").split("\n", -1)));
  }

  @Test
  void wholePrideAndPrejudiceMatchesR50k() {
    String text = TokenizeTestData.corpus("austen-pride-and-prejudice.txt");
    int[] ours = TokenizeTestData.gpt2().encode(text);
    assertArrayEquals(R50K.encodeOrdinary(text).toArray(), ours);
    assertEquals(text, TokenizeTestData.gpt2().decode(ours));
  }

  @Test
  void hostileStringsMatchR50k() {
    assertAllMatch(TokenizeTestData.hostileStrings());
  }

  @Test
  void randomStringsMatchR50k() {
    assertAllMatch(TokenizeTestData.randomStrings(20_240_501L, 600));
  }

  @Test
  void everythingRoundTrips() {
    assertRoundTrips(TokenizeTestData.hostileStrings());
    assertRoundTrips(TokenizeTestData.randomStrings(20_240_501L, 600));
    assertRoundTrips(TokenizeTestData.persuasionParagraphs());
  }

  @Test
  void specialTokenMatchesR50kWhenAllowed() {
    // jtokkit's encode() accepts no special tokens, so build the expected ids from the parts.
    String text = "first doc<|endoftext|>second doc<|endoftext|><|endoftext|> third";
    List<Integer> expected = new ArrayList<>();
    String[] parts = text.split("<\\|endoftext\\|>", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        expected.add(50256);
      }
      expected.addAll(R50K.encodeOrdinary(parts[i]).boxed());
    }
    assertArrayEquals(
        expected.stream().mapToInt(Integer::intValue).toArray(),
        TokenizeTestData.gpt2().encode(text, true));
  }
}
