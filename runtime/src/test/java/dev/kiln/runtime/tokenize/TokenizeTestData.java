package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Shared inputs for the tokenizer tests: the bundled vocabularies, the fixtures and generated text. */
final class TokenizeTestData {
  /** The stdlib module's resources, read in place (tests run in the runtime module's directory). */
  static final Path STDLIB = Path.of("../stdlib-models/src/main/resources/dev/kiln/stdlib");

  static final Path GPT2_DIR = STDLIB.resolve("tokenizers/gpt2");
  static final Path BERT_VOCAB = STDLIB.resolve("tokenizers/bert/vocab.txt");

  private static Gpt2Tokenizer gpt2;
  private static WordPieceTokenizer bert;

  private TokenizeTestData() {}

  static synchronized Gpt2Tokenizer gpt2() {
    if (gpt2 == null) {
      gpt2 = Gpt2Tokenizer.load(GPT2_DIR);
    }
    return gpt2;
  }

  static synchronized WordPieceTokenizer bert() {
    if (bert == null) {
      bert = WordPieceTokenizer.load(BERT_VOCAB);
    }
    return bert;
  }

  /** The "cases" array of a fixture under test resources {@code /tokenize/}. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cases(String fixture) {
    try (InputStream in = TokenizeTestData.class.getResourceAsStream("/tokenize/" + fixture)) {
      Map<String, Object> root = (Map<String, Object>) Json.parseUtf8(in.readAllBytes());
      return (List<Map<String, Object>>) root.get("cases");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static int[] ints(Object jsonArray) {
    return ((List<Object>) jsonArray)
        .stream().mapToInt(o -> ((Long) o).intValue()).toArray();
  }

  static String corpus(String name) {
    try {
      return Files.readString(STDLIB.resolve("corpus/" + name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Persuasion cut at blank lines: about a thousand paragraphs with their line breaks kept. */
  static List<String> persuasionParagraphs() {
    List<String> out = new ArrayList<>();
    for (String p : corpus("austen-persuasion.txt").split("\n\n", -1)) {
      if (!p.isBlank()) {
        out.add(p);
      }
    }
    return out;
  }

  /** Hand-written strings aimed at the corners of pre-tokenization, normalization and UTF-8. */
  static List<String> hostileStrings() {
    List<String> s = new ArrayList<>(List.of(
        "",
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "   \n\n  \t ",
        "a  b",
        "trailing   ",
        "   leading",
        "x \n y",
        "two\n\nnewlines\n\n\nthree",
        "tab\tseparated\tvalues\t",
        " \t \n",
        "end with newline\n",
        "👩‍👩‍👧 family",
        "🏳️‍🌈 flag",
        "👍🏽 thumbs",
        "😀😃😄",
        "I ❤️ you",
        "🤖🚀",
        "emoji😀inside",
        "日本語のテキスト",
        "中文字符",
        "한국어 텍스트",
        "漢字abc123",
        "こんにちは世界",
        "カタカナ",
        "e\u0301",
        "Cafe\u0301 au lait",
        "a\u0308\u0304",
        "Z̤̮̩a̸l̢g̛o",
        "naïve café déjà vu",
        "\u0301leading mark",
        "1234567890",
        "3.14159",
        "1,000,000",
        "٣٤٥ arabic digits",
        "½ ⅓ Ⅻ",
        "x² + y³",
        "007",
        "v1.2.3-rc4",
        "don't",
        "DON'T",
        "we'll've",
        "I'm",
        "it's",
        "'s",
        "''s",
        "'S",
        "it’s curly",
        "rock 'n' roll",
        "'tis",
        "they're we've you'd I'll",
        "O'Neil's",
        "'",
        "''",
        "'''",
        "' s",
        "<|endoftext|>",
        "a<|endoftext|>b",
        "<|endoftext|><|endoftext|>",
        "<|endoftext",
        "endoftext|>",
        "a\u00a0b",
        "a\u2003b",
        "a\u3000b",
        "a \u00a0 b",
        "x\u2028y",
        "x\u2029y",
        "x\u0085y",
        "x\u000b\u000cy",
        "x\u001c\u001d\u001e\u001fy",
        "zero\u200bwidth",
        "bom\ufeffinside",
        "a\u200db",
        "\u00ad soft hyphen",
        "...!!!???",
        "$$$",
        "@#$%^&*()",
        "\"quoted\"",
        "«guillemets»",
        "—–-",
        "http://example.com/path?q=1&b=2",
        "email@example.com",
        "for (int i = 0; i < n; i++) { x += y; }",
        "{\"a\": [1, 2, 3]}",
        "# Title\n\n* item",
        "C:\\Program Files\\",
        "Ελληνικά",
        "русский язык",
        "עברית",
        "العربية",
        "हिन्दी",
        "ไทย",
        "Straße",
        "İstanbul",
        "ǅemal",
        "ﬁ ligature",
        "∑∫√∞≠≤≥",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "𝟘𝟙𝟚",
        "ΣΊΣΥΦΟΣ ΟΔΟΣ",
        "ÀÉÎÕÜ Ç",
        "UPPER lower MiXeD",
        "snake_case_name",
        "camelCaseName",
        "kebab-case-name",
        "a.b.c",
        "....",
        "-1 -2.5e-3"));
    s.add("a".repeat(1000));
    s.add(" ".repeat(500) + "x");
    s.add("ab".repeat(300));
    s.add("9".repeat(501));
    s.add("é".repeat(120));
    s.add("😀".repeat(50));
    s.add("!?".repeat(200));
    return s;
  }

  private static final String[] PIECES = {
    "a",
    "Z",
    "é",
    "ß",
    "Ж",
    "λ",
    "日",
    "語",
    "한",
    "ا",
    "ह",
    "ि",
    "्",
    "0",
    "7",
    "٣",
    "½",
    "Ⅻ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\u0085",
    "'",
    "'s",
    "'t",
    "'re",
    "'ve",
    "'m",
    "'ll",
    "'d",
    "'S",
    "’",
    ".",
    ",",
    "!",
    "?",
    "-",
    "_",
    "\"",
    "<|endoftext|>",
    "😀",
    "👩‍👧",
    "\u0301",
    "\u200d",
    "\ufe0f",
    "𝔘",
    "𝟙",
    "\u0000",
    "\u001f",
    "\ufffd",
    "\u200b",
    "[",
    "]",
    "##",
    "the",
    "The",
    " the",
    "ing",
    "İ",
    "Σ",
    "ﬁ",
    "\u0378",
    "\ue000",
    "\u2066",
    "[MASK]",
    "[cls]"
  };

  /** Seeded random strings glued from {@link #PIECES}, so the same cases run every time. */
  static List<String> randomStrings(long seed, int count) {
    Random random = new Random(seed);
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(40);
      for (int k = 0; k < n; k++) {
        sb.append(PIECES[random.nextInt(PIECES.length)]);
      }
      out.add(sb.toString());
    }
    return out;
  }
}
