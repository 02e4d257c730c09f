package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference encodings of gpt2-bpe-cases.json (gpt-3-encoder, tiktoken ports), id for id. */
class Gpt2FixtureTest {
  static Stream<Arguments> cases() {
    return TokenizeTestData.cases("gpt2-bpe-cases.json").stream()
        .map(c -> Arguments.of(c.get("name"), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void idsMatchReference(String name, Map<String, Object> c) {
    String text = (String) c.get("text");
    assertArrayEquals(
        TokenizeTestData.ints(c.get("ids")), TokenizeTestData.gpt2().encode(text), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void tokenSpellingsMatchReference(String name, Map<String, Object> c) {
    int[] ids = TokenizeTestData.ints(c.get("ids"));
    List<Object> tokens = (List<Object>) c.get("tokens");
    for (int i = 0; i < ids.length; i++) {
      assertEquals(tokens.get(i), TokenizeTestData.gpt2().token(ids[i]), name + " token " + i);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void referenceIdsDecodeToText(String name, Map<String, Object> c) {
    assertEquals(
        c.get("text"), TokenizeTestData.gpt2().decode(TokenizeTestData.ints(c.get("ids"))), name);
  }
}
