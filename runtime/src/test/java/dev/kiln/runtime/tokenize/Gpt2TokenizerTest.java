package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link Gpt2Tokenizer} beyond plain encoding: special tokens, bytes, decoding errors. */
class Gpt2TokenizerTest {
  private final Gpt2Tokenizer gpt2 = TokenizeTestData.gpt2();

  @Test
  void vocabularyShape() {
    assertEquals(50257, gpt2.vocabSize());
    assertEquals(50000, gpt2.mergeCount());
    assertEquals("gpt2", gpt2.name());
    assertEquals(OptionalInt.of(50256), gpt2.tokenId(Gpt2Tokenizer.END_OF_TEXT));
    assertEquals(OptionalInt.of(220), gpt2.tokenId("Ġ"));
    assertEquals(OptionalInt.empty(), gpt2.tokenId("[CLS]"));
  }

  @Test
  void byteLevelAlphabetIsABijectionThatKeepsPrintableLatin1() {
    Set<Character> seen = new HashSet<>();
    for (int b = 0; b < 256; b++) {
      char c = ByteLevel.charOf(b);
      assertTrue(seen.add(c), "duplicate char for byte " + b);
      assertEquals(b, ByteLevel.byteOf(c));
    }
    assertEquals('Ġ', ByteLevel.charOf(' '));
    assertEquals('Ċ', ByteLevel.charOf('\n'));
    assertEquals('A', ByteLevel.charOf('A'));
    assertEquals('Ā', ByteLevel.charOf(0));
    assertEquals(
        'Ń', ByteLevel.charOf(0xAD)); // soft hyphen is not printable: the 68th shifted byte
  }

  @Test
  void endOfTextIsTextUnlessAllowed() {
    assertArrayEquals(
        new int[] {8206, 27, 91, 437, 1659, 5239, 91, 29, 3549},
        gpt2.encode("Text<|endoftext|>more"));
    assertArrayEquals(new int[] {8206, 50256, 3549}, gpt2.encode("Text<|endoftext|>more", true));
    assertArrayEquals(new int[] {50256, 50256}, gpt2.encode("<|endoftext|><|endoftext|>", true));
    assertArrayEquals(new int[] {}, gpt2.encode(""));
    assertEquals("Text<|endoftext|>more", gpt2.decode(new int[] {8206, 50256, 3549}));
  }

  @Test
  void cachedAndFreshEncodingsAgree() {
    String text = "the the the thermodynamics thermodynamics";
    assertArrayEquals(gpt2.encode(text), gpt2.encode(text));
    int[] once = gpt2.encode(" thermodynamics");
    assertArrayEquals(once, gpt2.encode(" thermodynamics"));
  }

  @Test
  void decodeReplacesBrokenUtf8LikePython() {
    // "é" is bytes C3 A9, spelled "Ã" + "©"; cutting the pair leaves one invalid byte each.
    int c3 = gpt2.tokenId("Ã").getAsInt();
    int a9 = gpt2.tokenId("©").getAsInt();
    assertEquals("é", gpt2.decode(new int[] {c3, a9}));
    assertEquals("\uFFFD", gpt2.decode(new int[] {c3}));
    assertEquals("\uFFFDx", gpt2.decode(new int[] {c3, gpt2.tokenId("x").getAsInt()}));
    // Python's bytes.decode("utf-8", "replace") on these gives one U+FFFD per maximal bad subpart.
    assertEquals("\uFFFDA", decodeBytes(0xE2, 0x82, 'A'));
    assertEquals("\uFFFD\uFFFD\uFFFD", decodeBytes(0xF0, 0x80, 0x80));
    assertEquals("\uFFFD\uFFFD\uFFFD", decodeBytes(0xED, 0xA0, 0x80));
    assertEquals("\uFFFD\uFFFD", decodeBytes(0xC0, 0xAF));
    assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decodeBytes(0xF4, 0x90, 0x80, 0x80));
    assertEquals("\uFFFD", decodeBytes(0xF0, 0x9F, 0x98));
    assertEquals("\uFFFDa", decodeBytes(0xF0, 0x9F, 'a'));
    assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", decodeBytes(0xF8, 0x88, 0x80, 0x80, 0x80));
    assertEquals("\uFFFD\uFFFD", decodeBytes(0xE1, 0x80, 0xC0));
    assertEquals("\uFFFD\uFFFD", decodeBytes(0x80, 0x80));
    assertEquals("😀", decodeBytes(0xF0, 0x9F, 0x98, 0x80));
  }

  private String decodeBytes(int... bytes) {
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = gpt2.tokenId(String.valueOf(ByteLevel.charOf(bytes[i]))).getAsInt();
    }
    return gpt2.decode(ids);
  }

  @Test
  void decodeBytesKeepsPartialCharacters() {
    int[] ids = gpt2.encode("日本");
    byte[] all = gpt2.decodeBytes(ids);
    assertArrayEquals("日本".getBytes(StandardCharsets.UTF_8), all);
  }

  @Test
  void unpairedSurrogateEncodesAsReplacementCharacter() {
    assertArrayEquals(gpt2.encode("a\uFFFDb"), gpt2.encode("a\uD800b"));
    assertEquals("x\uFFFD", gpt2.decode(gpt2.encode("x\uDC00")));
  }

  @Test
  void decodeNamesTheBadId() {
    KilnException e =
        assertThrows(KilnException.class, () -> gpt2.decode(new int[] {15496, 50257}));
    assertEquals("token id 50257 is not in the GPT-2 vocabulary [0, 50257)", e.getMessage());
    e = assertThrows(KilnException.class, () -> gpt2.decode(new int[] {-1}));
    assertTrue(e.getMessage().contains("token id -1"), e.getMessage());
    assertThrows(KilnException.class, () -> gpt2.token(99_999));
  }
}
