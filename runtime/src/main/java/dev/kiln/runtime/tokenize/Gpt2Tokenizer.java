package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.KilnException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE tokenizer, giving the same ids as OpenAI's {@code encoder.py} and
 * tiktoken's {@code r50k_base}; safe to share between threads.
 */
public final class Gpt2Tokenizer implements Tokenizer {
  /** The only special token of GPT-2, matched in text only when the caller allows it. */
  public static final String END_OF_TEXT = "<|endoftext|>";

  // UNICODE_CHARACTER_CLASS makes \s the Unicode White_Space property, as in Python's regex module
  // and tiktoken; Java's default \s is ASCII-only and would split differently around U+00A0 etc.
  private static final Pattern PIECES = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  private final String[] tokens;
  private final byte[][] tokenBytes;
  private final Map<String, Integer> ids;
  private final int[] byteIds = new int[256];
  private final Bpe bpe;
  private final int endOfText;

  private Gpt2Tokenizer(Gpt2Vocab vocab) {
    this.tokens = vocab.tokens;
    this.ids = vocab.ids;
    this.bpe = vocab.bpe;
    this.tokenBytes = new byte[tokens.length][];
    for (int id = 0; id < tokens.length; id++) {
      if (tokens[id] != null) {
        // Entries outside the byte-level alphabet (only <|endoftext|> in GPT-2, whose characters
        // happen to be byte-level too) decode as their UTF-8.
        byte[] bytes = ByteLevel.unspell(tokens[id]);
        tokenBytes[id] = bytes != null ? bytes : tokens[id].getBytes(StandardCharsets.UTF_8);
      }
    }
    for (int b = 0; b < 256; b++) {
      byteIds[b] = ids.get(String.valueOf(ByteLevel.charOf(b)));
    }
    this.endOfText = ids.getOrDefault(END_OF_TEXT, -1);
  }

  /** Loads the tokenizer from OpenAI's {@code encoder.json} and {@code vocab.bpe}; closes both streams. */
  public static Gpt2Tokenizer load(InputStream encoderJson, InputStream vocabBpe) {
    byte[] encoder = VocabFiles.readAll(encoderJson, "encoder.json");
    byte[] merges = VocabFiles.readAll(vocabBpe, "vocab.bpe");
    return new Gpt2Tokenizer(Gpt2Vocab.parse(encoder, "encoder.json", merges, "vocab.bpe"));
  }

  /** Loads {@code encoder.json} and {@code vocab.bpe} from directory {@code dir}. */
  public static Gpt2Tokenizer load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new KilnException("GPT-2 tokenizer directory " + dir + " does not exist");
    }
    String why = "a GPT-2 tokenizer directory needs encoder.json and vocab.bpe";
    Path encoder = dir.resolve("encoder.json");
    Path merges = dir.resolve("vocab.bpe");
    return new Gpt2Tokenizer(Gpt2Vocab.parse(
        VocabFiles.readAll(encoder, why),
        encoder.toString(),
        VocabFiles.readAll(merges, why),
        merges.toString()));
  }

  /** The ids of {@code text}, reading {@code <|endoftext|>} as ordinary text. */
  @Override
  public int[] encode(String text) {
    return encode(text, false);
  }

  /**
   * The ids of {@code text}; with {@code allowSpecial}, each {@code <|endoftext|>} in it becomes
   * the single special token rather than the seven ordinary tokens that spell it.
   */
  public int[] encode(String text, boolean allowSpecial) {
    IntArray out = new IntArray(text.length() / 3);
    if (!allowSpecial || endOfText < 0) {
      encodeOrdinary(text, out);
      return out.toArray();
    }
    int from = 0;
    for (int at = text.indexOf(END_OF_TEXT); at >= 0; at = text.indexOf(END_OF_TEXT, from)) {
      encodeOrdinary(text.substring(from, at), out);
      out.add(endOfText);
      from = at + END_OF_TEXT.length();
    }
    encodeOrdinary(text.substring(from), out);
    return out.toArray();
  }

  private void encodeOrdinary(String text, IntArray out) {
    Matcher m = PIECES.matcher(text);
    while (m.find()) {
      String piece = m.group();
      byte[] bytes = ByteLevel.utf8(piece);
      int[] symbols = new int[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        symbols[i] = byteIds[bytes[i] & 0xff];
      }
      out.addAll(symbols.length == 1 ? symbols : bpe.apply(piece, symbols));
    }
  }

  /**
   * The text of {@code ids}; bytes that are not valid UTF-8 (a character cut between tokens)
   * become U+FFFD, as with Python's {@code errors="replace"}.
   */
  @Override
  public String decode(int[] ids) {
    return Utf8.decode(decodeBytes(ids));
  }

  /** The raw bytes of {@code ids}, for callers that stream output and must not split a character. */
  public byte[] decodeBytes(int[] ids) {
    int length = 0;
    for (int id : ids) {
      length += bytesOf(id).length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (int id : ids) {
      byte[] b = tokenBytes[id];
      System.arraycopy(b, 0, out, at, b.length);
      at += b.length;
    }
    return out;
  }

  /** The vocabulary spelling of token {@code id} (byte-level, so a leading space shows as {@code Ġ}). */
  public String token(int id) {
    bytesOf(id);
    return tokens[id];
  }

  private byte[] bytesOf(int id) {
    if (id < 0 || id >= tokens.length || tokens[id] == null) {
      throw new KilnException(
          "token id " + id + " is not in the GPT-2 vocabulary [0, " + tokens.length + ")");
    }
    return tokenBytes[id];
  }

  @Override
  public int vocabSize() {
    return tokens.length;
  }

  /** The number of BPE merges loaded from {@code vocab.bpe}. */
  public int mergeCount() {
    return bpe.size();
  }

  @Override
  public String name() {
    return "gpt2";
  }

  @Override
  public OptionalInt tokenId(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  @Override
  public String toString() {
    return "Gpt2Tokenizer[" + tokens.length + " tokens, " + bpe.size() + " merges]";
  }
}
