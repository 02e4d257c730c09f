package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference encodings of bert-wordpiece-cases.json (HF tokenizers), id for id. */
class WordPieceFixtureTest {
  static Stream<Arguments> cases() {
    return TokenizeTestData.cases("bert-wordpiece-cases.json").stream()
        .map(c -> Arguments.of(c.get("name"), c));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void idsMatchReference(String name, Map<String, Object> c) {
    int[] expected = TokenizeTestData.ints(c.get("ids"));
    String text = (String) c.get("text");
    // The fixture includes [CLS] and [SEP]; encode() adds none.
    assertArrayEquals(
        Arrays.copyOfRange(expected, 1, expected.length - 1),
        TokenizeTestData.bert().encode(text),
        name);
    SegmentedIds single = TokenizeTestData.bert().encodeSingle(text, 512);
    assertArrayEquals(expected, single.ids(), name);
    assertArrayEquals(new int[expected.length], single.segmentIds(), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void tokenSpellingsMatchReference(String name, Map<String, Object> c) {
    int[] ids = TokenizeTestData.ints(c.get("ids"));
    List<Object> tokens = (List<Object>) c.get("tokens");
    for (int i = 0; i < ids.length; i++) {
      assertEquals(tokens.get(i), TokenizeTestData.bert().token(ids[i]), name + " token " + i);
    }
  }
}
