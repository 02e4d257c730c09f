package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Severity;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The catalogue itself: stable, unique, well-formed codes, and templates that always format. */
class SyntaxMessageTest {
  @Test
  void codesAreUniqueAndSequential() {
    Set<String> seen = new HashSet<>();
    SyntaxMessage[] all = SyntaxMessage.values();
    for (int i = 0; i < all.length; i++) {
      assertTrue(seen.add(all[i].code()), all[i].code());
      assertEquals(String.format("K%04d", i + 1), all[i].code(), all[i].name());
    }
  }

  @Test
  void everyTemplateFormatsWithTheArgumentsItTakes() {
    Object[] args = {"a", "b", "c", "d"};
    for (SyntaxMessage m : SyntaxMessage.values()) {
      Object[] given = m == SyntaxMessage.NESTING_TOO_DEEP || m == SyntaxMessage.TOO_COMPLEX
          ? new Object[] {200}
          : args;
      Diagnostic d = m.at(Span.of("f.model", 1, 1, 1), given);
      assertEquals(Severity.ERROR, d.severity());
      assertEquals(m.code(), d.code());
      assertFalse(d.message().isBlank(), m.name());
      assertFalse(d.message().contains("%"), m.name());
      assertTrue(d.hint() == null || !d.hint().contains("%"), m.name());
    }
  }

  @Test
  void codesDoNotOverlapTheProcessorRange() {
    // The processor's semantic messages start at K0100.
    assertTrue(Arrays.stream(SyntaxMessage.values())
        .allMatch(m -> Integer.parseInt(m.code().substring(1)) < 100));
  }
}
