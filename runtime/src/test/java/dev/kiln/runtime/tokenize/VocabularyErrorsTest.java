package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading small hand-made vocabularies, and the messages for broken ones. */
class VocabularyErrorsTest {
  private static final String MERGES = "#version: 0.2\nh e\nl l\nhe ll\nhell o\n";

  /** The 256 byte-level tokens, then the results of {@link #MERGES}. */
  private static Map<String, Object> encoder() {
    Map<String, Object> ids = new LinkedHashMap<>();
    for (int b = 0; b < 256; b++) {
      ids.put(String.valueOf(ByteLevel.charOf(b)), (long) b);
    }
    for (String t : new String[] {"he", "ll", "hell", "hello"}) {
      ids.put(t, (long) ids.size());
    }
    return ids;
  }

  private static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String gpt2Error(String encoderJson, String merges) {
    return assertThrows(
            KilnException.class, () -> Gpt2Tokenizer.load(stream(encoderJson), stream(merges)))
        .getMessage();
  }

  @Test
  void tinyBpeMergesByRank() {
    Gpt2Tokenizer t = Gpt2Tokenizer.load(stream(Json.write(encoder())), stream(MERGES));
    assertEquals(260, t.vocabSize());
    assertEquals(4, t.mergeCount());
    // " he" keeps its space as its own token: no merge joins "Ġ" and "h" here.
    assertArrayEquals(new int[] {259, ' ', 256}, t.encode("hello he"));
    assertEquals("hello he", t.decode(t.encode("hello he")));
  }

  @Test
  void mergeLineErrorsNameFileAndLine() {
    String json = Json.write(encoder());
    assertEquals(
        "vocab.bpe line 3: expected two symbols separated by one space, got \"ll\"",
        gpt2Error(json, "#version: 0.2\nh e\nll\n"));
    assertEquals(
        "vocab.bpe line 2: expected two symbols separated by one space, got \"h  e\"",
        gpt2Error(json, "#version: 0.2\nh  e\n"));
    assertEquals(
        "vocab.bpe line 2: expected two symbols separated by one space, got \"h e l\"",
        gpt2Error(json, "#version: 0.2\nh e l\n"));
    assertEquals(
        "vocab.bpe line 1: symbol \"zz\" is not in encoder.json", gpt2Error(json, "zz e\n"));
    assertEquals(
        "vocab.bpe line 2: merged symbol \"eh\" is not in encoder.json",
        gpt2Error(json, "#version: 0.2\ne h\n"));
    byte[] badUtf8 = {'h', ' ', 'e', '\n', (byte) 0xC3, ' ', 'e', '\n'};
    KilnException e = assertThrows(
        KilnException.class,
        () -> Gpt2Tokenizer.load(stream(json), new ByteArrayInputStream(badUtf8)));
    assertEquals("vocab.bpe: invalid UTF-8 near byte 4", e.getMessage());
  }

  @Test
  void encoderErrorsNameTheProblem() {
    assertTrue(gpt2Error("{\"a\": 1,", MERGES).startsWith("encoder.json: not valid JSON: "));
    assertEquals(
        "encoder.json: expected a JSON object mapping token strings to ids",
        gpt2Error("[1, 2]", MERGES));
    assertEquals(
        "encoder.json: token \"a\" has id 1.5, expected a non-negative integer",
        gpt2Error("{\"a\": 1.5}", MERGES));
    assertEquals(
        "encoder.json: token \"a\" has id -3, expected a non-negative integer",
        gpt2Error("{\"a\": -3}", MERGES));
    assertEquals(
        "encoder.json: token \"a\" has id \"7\", expected a non-negative integer",
        gpt2Error("{\"a\": \"7\"}", MERGES));
    assertEquals("encoder.json: empty vocabulary", gpt2Error("{}", MERGES));
    Map<String, Object> dup = encoder();
    dup.put("hello", 5L);
    assertEquals(
        "encoder.json: id 5 is used by both \"ą\" and \"hello\"",
        gpt2Error(Json.write(dup), MERGES));
    Map<String, Object> noNewline = encoder();
    noNewline.remove("Ċ");
    assertEquals(
        "encoder.json: no token for byte 0x0A (spelled \"Ċ\"), so some text could not be encoded",
        gpt2Error(Json.write(noNewline), MERGES));
  }

  @Test
  void missingFilesAreNamed(@TempDir Path dir) throws IOException {
    KilnException e =
        assertThrows(KilnException.class, () -> Gpt2Tokenizer.load(dir.resolve("nope")));
    assertEquals(
        "GPT-2 tokenizer directory " + dir.resolve("nope") + " does not exist", e.getMessage());
    Files.writeString(dir.resolve("encoder.json"), Json.write(encoder()));
    e = assertThrows(KilnException.class, () -> Gpt2Tokenizer.load(dir));
    assertEquals(
        dir.resolve("vocab.bpe")
            + " not found (a GPT-2 tokenizer directory needs encoder.json and vocab.bpe)",
        e.getMessage());
    Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\nh e\nx\n");
    e = assertThrows(KilnException.class, () -> Gpt2Tokenizer.load(dir));
    assertEquals(
        dir.resolve("vocab.bpe")
            + " line 3: expected two symbols separated by one space, got \"x\"",
        e.getMessage());
    e = assertThrows(KilnException.class, () -> Gpt2Tokenizer.load(null, stream(MERGES)));
    assertTrue(e.getMessage().startsWith("encoder.json: no input"), e.getMessage());
  }

  @Test
  void wordPieceVocabularyErrors(@TempDir Path dir) throws IOException {
    KilnException e = assertThrows(
        KilnException.class, () -> WordPieceTokenizer.load(stream("[PAD]\n[UNK]\nhello\n")));
    assertEquals(
        "vocab.txt: missing special tokens [CLS], [SEP], [MASK] (a BERT vocabulary has [PAD], [UNK], [CLS], [SEP]"
            + " and [MASK])",
        e.getMessage());
    e = assertThrows(KilnException.class, () -> WordPieceTokenizer.load(stream("")));
    assertEquals("vocab.txt: empty vocabulary", e.getMessage());
    e = assertThrows(
        KilnException.class,
        () -> WordPieceTokenizer.load(
            new ByteArrayInputStream(new byte[] {'a', '\n', (byte) 0xFF, '\n'})));
    assertEquals("vocab.txt: invalid UTF-8 near byte 2", e.getMessage());
    e = assertThrows(KilnException.class, () -> WordPieceTokenizer.load(dir));
    assertEquals(dir + " is a directory; expected the vocab.txt file itself", e.getMessage());
    e = assertThrows(KilnException.class, () -> WordPieceTokenizer.load(dir.resolve("vocab.txt")));
    assertEquals(dir.resolve("vocab.txt") + " not found (a WordPiece vocabulary)", e.getMessage());
  }

  @Test
  void tinyWordPieceVocabulary() {
    WordPieceTokenizer t = WordPieceTokenizer.load(
        stream("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nun\r\n##aff\r\n##able\r\n"));
    assertEquals(8, t.vocabSize());
    assertArrayEquals(new int[] {5, 6, 7, 1}, t.encode("UNAFFABLE unknown"));
    assertEquals("unaffable [UNK]", t.decode(t.encode("UNAFFABLE unknown")));
  }
}
