package dev.kiln.runtime.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.data.CharTokenizer;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The {@link Tokenizer} view of the demo character tokenizer. */
class CharTokenizersTest {
  @Test
  void adaptsEveryMethod() {
    Tokenizer t = CharTokenizers.of(CharTokenizer.fit("hello 😀"));
    assertEquals("char", t.name());
    assertEquals(6, t.vocabSize()); // ' ', e, h, l, o, 😀
    assertArrayEquals(new int[] {2, 1, 3, 3, 4}, t.encode("hello"));
    assertEquals("hole 😀", t.decode(t.encode("hole 😀")));
    assertEquals(OptionalInt.of(5), t.tokenId("😀"));
    assertEquals(OptionalInt.of(0), t.tokenId(" "));
    assertEquals(OptionalInt.empty(), t.tokenId("x"));
    assertEquals(OptionalInt.empty(), t.tokenId("he"));
    assertEquals(OptionalInt.empty(), t.tokenId(""));
    assertThrows(KilnException.class, () -> t.decode(new int[] {6}));
  }
}
