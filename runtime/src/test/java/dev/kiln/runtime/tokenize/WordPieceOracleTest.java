package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.kiln.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares {@link WordPieceTokenizer} with HF tokenizers (Rust, through DJL's bundled native
 * library) configured as bert-base-uncased from the same vocab.txt, on Austen, hostile and random text.
 */
class WordPieceOracleTest {
  @TempDir
  static Path dir;

  private static HuggingFaceTokenizer hf;

  @BeforeAll
  static void loadHf() throws IOException {
    // Keep DJL's extracted native library inside the build and stop it from looking online.
    System.setProperty(
        "DJL_CACHE_DIR", Path.of("target/djl-cache").toAbsolutePath().toString());
    System.setProperty("ai.djl.offline", "true");
    Path json = dir.resolve("tokenizer.json");
    Files.writeString(
        json, Json.write(bertTokenizerJson(Files.readAllLines(TokenizeTestData.BERT_VOCAB))));
    hf = HuggingFaceTokenizer.newInstance(
        json, Map.of("addSpecialTokens", "false", "truncation", "false"));
  }

  @AfterAll
  static void close() {
    if (hf != null) {
      hf.close();
    }
  }

  /** What HF's BertTokenizerFast saves for bert-base-uncased, built from {@code vocab}. */
  static Map<String, Object> bertTokenizerJson(List<String> vocab) {
    Map<String, Object> ids = new LinkedHashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i), i);
    }
    List<Object> added = new ArrayList<>();
    for (String special : new String[] {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
      added.add(Map.of(
          "id",
          ids.get(special),
          "content",
          special,
          "single_word",
          false,
          "lstrip",
          false,
          "rstrip",
          false,
          "normalized",
          false,
          "special",
          true));
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("version", "1.0");
    root.put("truncation", null);
    root.put("padding", null);
    root.put("added_tokens", added);
    root.put(
        "normalizer",
        Map.of(
            "type",
            "BertNormalizer",
            "clean_text",
            true,
            "handle_chinese_chars",
            true,
            "lowercase",
            true));
    root.put("pre_tokenizer", Map.of("type", "BertPreTokenizer"));
    root.put(
        "post_processor",
        Map.of(
            "type", "TemplateProcessing",
            "single", List.of(special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)),
            "pair",
                List.of(
                    special("[CLS]", 0),
                    sequence("A", 0),
                    special("[SEP]", 0),
                    sequence("B", 1),
                    special("[SEP]", 1)),
            "special_tokens",
                Map.of(
                    "[CLS]",
                        Map.of(
                            "id",
                            "[CLS]",
                            "ids",
                            List.of(ids.get("[CLS]")),
                            "tokens",
                            List.of("[CLS]")),
                    "[SEP]",
                        Map.of(
                            "id",
                            "[SEP]",
                            "ids",
                            List.of(ids.get("[SEP]")),
                            "tokens",
                            List.of("[SEP]")))));
    root.put("decoder", Map.of("type", "WordPiece", "prefix", "##", "cleanup", true));
    root.put(
        "model",
        Map.of(
            "type",
            "WordPiece",
            "unk_token",
            "[UNK]",
            "continuing_subword_prefix",
            "##",
            "max_input_chars_per_word",
            100,
            "vocab",
            ids));
    return root;
  }

  private static Map<String, Object> special(String id, int typeId) {
    return Map.of("SpecialToken", Map.of("id", id, "type_id", typeId));
  }

  private static Map<String, Object> sequence(String id, int typeId) {
    return Map.of("Sequence", Map.of("id", id, "type_id", typeId));
  }

  private static int[] ints(long[] values) {
    return Arrays.stream(values).mapToInt(Math::toIntExact).toArray();
  }

  private static void assertAllMatch(List<String> texts) {
    List<String> mismatches = new ArrayList<>();
    for (String text : texts) {
      int[] expected = ints(hf.encode(text, false, false).getIds());
      int[] actual = TokenizeTestData.bert().encode(text);
      if (!Arrays.equals(expected, actual)) {
        mismatches.add(Json.quote(text) + ": HF " + Arrays.toString(expected) + " but ours "
            + Arrays.toString(actual));
      }
    }
    assertTrue(
        mismatches.isEmpty(),
        mismatches.size() + " of " + texts.size() + " differ, e.g. "
            + mismatches.subList(0, Math.min(5, mismatches.size())));
  }

  @Test
  void generatedConfigReproducesTheFixture() {
    for (Map<String, Object> c : TokenizeTestData.cases("bert-wordpiece-cases.json")) {
      long[] ids = hf.encode((String) c.get("text"), true, false).getIds();
      assertArrayEquals(TokenizeTestData.ints(c.get("ids")), ints(ids), (String) c.get("name"));
    }
  }

  @Test
  void persuasionParagraphsMatchHf() {
    assertAllMatch(TokenizeTestData.persuasionParagraphs());
  }

  @Test
  void hostileStringsMatchHf() {
    List<String> texts = new ArrayList<>(TokenizeTestData.hostileStrings());
    texts.addAll(List.of(
        "[CLS]x[SEP]",
        "[MASK][MASK]",
        "[cls] lowercase is text",
        "[SEP",
        "a[PAD]b",
        "[UNK]word",
        "\u0000\ufffd\u0001 dropped",
        "mixed 日本 and 中文 ideographs",
        "a\u3400b\u9fffc\uf900d",
        "İ",
        "ǅ",
        "ﬃ",
        "unassigned \u0378 kept",
        "private \ue000 use",
        "isolate\u2066d",
        "x\u0600y"));
    assertAllMatch(texts);
  }

  @Test
  void randomStringsMatchHf() {
    assertAllMatch(TokenizeTestData.randomStrings(77L, 600));
  }

  @Test
  void pairsAndTruncationMatchHf() throws IOException {
    List<String> texts = TokenizeTestData.persuasionParagraphs().subList(0, 40);
    for (int maxLen : new int[] {3, 4, 9, 33, 128}) {
      Map<String, String> options = Map.of(
          "addSpecialTokens", "true", "truncation", "true", "maxLength", String.valueOf(maxLen));
      try (HuggingFaceTokenizer truncating =
          HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), options)) {
        for (int i = 0; i + 1 < texts.size(); i++) {
          String a =
              texts.get(i).substring(0, Math.min(texts.get(i).length(), 40 + (37 * i) % 300));
          String b = texts.get(i + 1);
          Encoding expected = truncating.encode(a, b);
          SegmentedIds actual = TokenizeTestData.bert().encodePair(a, b, maxLen);
          String where = "maxLen " + maxLen + ", pair " + i;
          assertArrayEquals(ints(expected.getIds()), actual.ids(), where);
          assertArrayEquals(ints(expected.getTypeIds()), actual.segmentIds(), where);
          if (maxLen >= 2) {
            assertArrayEquals(
                ints(truncating.encode(a).getIds()),
                TokenizeTestData.bert().encodeSingle(a, maxLen).ids(),
                where);
          }
        }
      }
    }
  }
}
