package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Behaviour of {@link WordPieceTokenizer} and {@link BertBasic} beyond the reference cases. */
class WordPieceTokenizerTest {
  private final WordPieceTokenizer bert = TokenizeTestData.bert();

  @Test
  void specialTokensComeFromTheVocabulary() {
    assertEquals(30522, bert.vocabSize());
    assertEquals("bert-wordpiece", bert.name());
    assertEquals(0, bert.padId());
    assertEquals(100, bert.unkId());
    assertEquals(101, bert.clsId());
    assertEquals(102, bert.sepId());
    assertEquals(103, bert.maskId());
    assertEquals(OptionalInt.of(103), bert.tokenId("[MASK]"));
    assertEquals(OptionalInt.empty(), bert.tokenId("<|endoftext|>"));
  }

  @Test
  void decodeGluesContinuationPieces() {
    int[] ids = bert.encode("Unaffable tokenization, HuggingFace!");
    assertEquals("unaffable tokenization , huggingface !", bert.decode(ids));
    assertEquals("[CLS] hello [SEP]", bert.decode(bert.encodeSingle("Hello", 16).ids()));
    assertEquals("##s", bert.decode(new int[] {bert.tokenId("##s").getAsInt()}));
    KilnException e = assertThrows(KilnException.class, () -> bert.decode(new int[] {7592, 30522}));
    assertEquals("token id 30522 is not in the WordPiece vocabulary [0, 30522)", e.getMessage());
  }

  @Test
  void pairHasSegmentsAndSeparators() {
    SegmentedIds pair = bert.encodePair("Hello world", "Good night", 32);
    assertArrayEquals(new int[] {101, 7592, 2088, 102, 2204, 2305, 102}, pair.ids());
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1}, pair.segmentIds());
    assertEquals(7, pair.length());
    assertThrows(IllegalArgumentException.class, () -> bert.encodePair("a", "b", 2));
    assertThrows(IllegalArgumentException.class, () -> bert.encodeSingle("a", 1));
  }

  /** HF's own truncation table (max_length 7 for the two texts alone, so 10 with specials). */
  @Test
  void longestFirstTruncationFollowsHf() {
    WordPieceTokenizer t = WordPieceTokenizer.load(new ByteArrayInputStream(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nw\n".getBytes(StandardCharsets.UTF_8)));
    int[][] cases = {
      {0, 0, 0, 0},
      {0, 2, 0, 2},
      {0, 8, 0, 7},
      {2, 4, 2, 4},
      {2, 8, 2, 5},
      {4, 4, 3, 4},
      {4, 8, 3, 4},
      {8, 0, 7, 0},
      {8, 2, 5, 2},
      {8, 4, 4, 3},
      {8, 8, 3, 4}
    };
    for (int[] c : cases) {
      SegmentedIds pair = t.encodePair(" w".repeat(c[0]), " w".repeat(c[1]), 10);
      int second = count(pair.segmentIds(), 1) - 1;
      int first = pair.length() - 3 - second;
      assertEquals(List.of(c[2], c[3]), List.of(first, second), "lengths " + c[0] + ", " + c[1]);
    }
  }

  private static int count(int[] values, int value) {
    int n = 0;
    for (int v : values) {
      n += v == value ? 1 : 0;
    }
    return n;
  }

  @Test
  void longWordsBecomeUnknownWhole() {
    assertArrayEquals(new int[] {100}, bert.encode("a".repeat(101)));
    assertFalse(bert.encode("a".repeat(100)).length == 1 && bert.encode("a".repeat(100))[0] == 100);
    // Length counts code points, not UTF-16 units: 60 letters outside the BMP are 60, not 120.
    assertEquals(List.of("𝔞".repeat(60)), BertBasic.words("𝔞".repeat(60)));
  }

  @Test
  void basicTokenizerSteps() {
    assertEquals(List.of("hello", ",", "world", "!"), BertBasic.words("  Hello,\tWORLD!\n"));
    assertEquals(List.of("resume", "naive"), BertBasic.words("RÉSUMÉ naïve"));
    assertEquals(List.of("a", "日", "本", "b"), BertBasic.words("a日本b"));
    assertEquals(
        List.of("ab"), BertBasic.words("a\u0000\u200bb\ufffd"), "NUL, ZWSP (Cf) and U+FFFD vanish");
    assertEquals(List.of("x", "y"), BertBasic.words("x\u00a0y"), "no-break space is whitespace");
    assertEquals(
        List.of("x\u0378y"),
        BertBasic.words("x\u0378\ue000y"),
        "HF keeps unassigned, drops private use");
    assertEquals(List.of("σισυφοσ"), BertBasic.words("ΣΊΣΥΦΟΣ"), "no final-sigma rule, as in HF");
    assertEquals(
        List.of("i"), BertBasic.words("İ"), "full lowercase mapping, then its dot is an Mn mark");
    assertEquals(List.of("$", "5", "`", "~", "¿", "que", "?"), BertBasic.words("$5`~¿que?"));
  }

  /** BERT's ranges, not HF's: HF starts one block at U+2B920, so U+2B820..U+2B91F join their neighbours there. */
  @Test
  void chineseCharRangesAreBerts() {
    for (int cp : new int[] {
      0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F, 0x2B820,
      0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F
    }) {
      assertTrue(BertBasic.isChineseChar(cp), Integer.toHexString(cp));
    }
    for (int cp : new int[] {0x4DFF, 0x3041, 0x30A2, 0xAC00, 0x2A6E0, 0x2CEB0, 0x2FA20, 0x3000}) {
      assertFalse(BertBasic.isChineseChar(cp), Integer.toHexString(cp));
    }
  }
}
