package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.dsl.ast.AstPrinter;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.DiagnosticRenderer;
import dev.kiln.dsl.diag.SourceText;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The parser must never throw, whatever it is given: empty files, binary garbage, absurd nesting, very
 * long operator chains and random token soup. Parsing runs on a thread with a 512 KiB stack (half the
 * JVM's default), so these tests also show the depth limits leave room for the compiler around it.
 */
class HostileInputTest {
  private static final long SMALL_STACK = 512 * 1024;

  /** Parses {@code text} on a small-stack thread; checks the invariants every result must satisfy. */
  private static ParseResult parse(String text) {
    SourceText source = new SourceText("hostile.model", text);
    ParseResult result = onSmallStack(() -> ModelParser.parse(source));
    Set<Integer> lines = new HashSet<>();
    DiagnosticRenderer renderer = new DiagnosticRenderer(Map.of("hostile.model", source));
    for (Diagnostic d : result.diagnostics()) {
      assertTrue(d.code().matches("K\\d{4}"), d::toString);
      assertFalse(d.code().equals(SyntaxMessage.INTERNAL_ERROR.code()), d::toString);
      assertTrue(d.span().line() >= 1 && d.span().line() <= source.lineCount(), d::toString);
      assertTrue(
          d.span().column() >= 1
              && d.span().column() <= source.line(d.span().line()).length() + 1,
          d::toString);
      assertTrue(
          lines.add(d.span().line()), () -> "two errors on one line: " + result.diagnostics());
      assertFalse(renderer.render(d).isEmpty());
    }
    if (result.unit() != null) {
      assertFalse(onSmallStack(() -> AstPrinter.print(result.unit())).isEmpty());
    }
    return result;
  }

  private static <T> T onSmallStack(Supplier<T> work) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(
        null,
        () -> {
          try {
            result.set(work.get());
          } catch (Throwable t) {
            failure.set(t);
          }
        },
        "small-stack",
        SMALL_STACK);
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(e);
    }
    if (failure.get() != null) {
      fail("threw " + failure.get(), failure.get());
    }
    return result.get();
  }

  private static List<String> codes(ParseResult result) {
    return result.diagnostics().stream().map(Diagnostic::code).toList();
  }

  @Test
  void emptyAndBlankFilesParseToAnEmptyUnit() {
    for (String text :
        List.of("", " ", "\n\n", "\r\n", "\t", "# only a comment", "/* */", "// x\n/* y */\n")) {
      ParseResult result = parse(text);
      assertNotNull(result.unit());
      assertTrue(result.unit().decls().isEmpty());
      assertTrue(result.diagnostics().isEmpty(), result.diagnostics()::toString);
    }
  }

  @Test
  void binaryGarbage() {
    Random random = new Random(7);
    for (int round = 0; round < 20; round++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 5000; i++) {
        sb.append((char) random.nextInt(round % 2 == 0 ? 256 : 0x10000));
      }
      ParseResult result = parse(sb.toString());
      assertFalse(result.diagnostics().isEmpty());
    }
  }

  @Test
  void controlCharactersAndUnpairedSurrogates() {
    ParseResult result = parse("model M {\n  x = 1 \u0000\n  y = \ud800\n  z = \u00a0 2\n}\n");
    assertEquals(List.of("K0001", "K0001", "K0001"), codes(result));
    assertEquals("unexpected character U+0000", result.diagnostics().get(0).message());
  }

  @Test
  void bracketsNestedTooDeeplyAreRefusedBeforeParsing() {
    String text = "model M {\n  x = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "\n}\n";
    ParseResult result = parse(text);
    assertNull(result.unit());
    assertEquals(List.of("K0017"), codes(result));
    // The model's '{' is the first level, so the 200th '(' is the 201st.
    assertEquals(2, result.diagnostics().get(0).span().line());
    assertEquals(7 + 199, result.diagnostics().get(0).span().column());
  }

  @Test
  void twoHundredLevelsOfBracketsStillParse() {
    String text = "model M {\n  x = " + "(".repeat(199) + "1" + ")".repeat(199) + "\n}\n";
    ParseResult result = parse(text);
    assertTrue(result.diagnostics().isEmpty(), result.diagnostics()::toString);
    assertNotNull(result.unit());
  }

  @Test
  void unclosedBracketsOnly() {
    assertEquals(List.of("K0017"), codes(parse("{".repeat(100_000))));
    assertFalse(parse("(".repeat(150)).diagnostics().isEmpty());
    assertFalse(parse(")".repeat(5000) + "\n" + "}".repeat(5000)).diagnostics().isEmpty());
  }

  @Test
  void longChainsAreRefusedInsteadOfOverflowingTheStack() {
    List<String> chains = List.of(
        "a" + " + a".repeat(50_000),
        "-".repeat(50_000) + "a",
        "c ? a : ".repeat(20_000) + "b",
        "a" + ".b".repeat(20_000),
        "w" + "^T".repeat(20_000),
        "2" + " ** 2".repeat(20_000),
        "!".repeat(20_000) + "x");
    for (String chain : chains) {
      ParseResult result = parse("model M {\n  x = " + chain + "\n}\n");
      assertNull(result.unit());
      assertEquals(List.of("K0018"), codes(result));
      assertEquals(2, result.diagnostics().get(0).span().line());
      assertEquals(
          7, result.diagnostics().get(0).span().column(), "points at the start of the expression");
    }
  }

  @Test
  void chainsBelowTheLimitParse() {
    // Just below the limit: the deepest trees the parser accepts still fit the small stack.
    for (String chain : List.of(
        "a" + " + a".repeat(590),
        "-".repeat(590) + "a",
        "c ? a : ".repeat(590) + "b",
        "a" + ".b".repeat(590),
        "2" + " ** 2".repeat(590))) {
      ParseResult result = parse("model M {\n  x = " + chain + "\n}\n");
      assertTrue(result.diagnostics().isEmpty(), result.diagnostics()::toString);
    }
  }

  @Test
  void deeplyNestedStatements() {
    String loops =
        "model M {\n" + "for i in 0 ..< 2 {\n".repeat(150) + "x = 1\n" + "}\n".repeat(150) + "}\n";
    assertTrue(parse(loops).diagnostics().isEmpty());
    String elseIfs = "model M {\n" + "if c { } else ".repeat(10_000) + "{ }\n}\n";
    assertEquals(List.of("K0018"), codes(parse(elseIfs)));
  }

  @Test
  void unterminatedEverything() {
    assertEquals(List.of("K0002"), codes(parse("\"".repeat(1001))));
    assertEquals(List.of("K0003"), codes(parse("/* " + "x".repeat(100_000))));
    assertFalse(parse("model M {\n  x = \"" + "a".repeat(100_000)).diagnostics().isEmpty());
    assertFalse(parse("model M(").diagnostics().isEmpty());
    assertFalse(parse("model").diagnostics().isEmpty());
    assertFalse(parse("import").diagnostics().isEmpty());
  }

  @Test
  void randomTokenSoup() {
    String[] vocabulary = {
      "model", "block", "import", "input", "output", "for", "in", "if", "else", "return", "int",
      "float", "true", "false", "..<", "..=", "..", ".", "**", "*", "/", "%", "+", "-", "==", "!=",
      "<=", ">=", "<", ">", "&&", "||", "&", "|", "!", "=", "?", ":", ";", ",", "^", "T", "(", ")",
      "[", "]", "{", "}", "x", "y", "f", "1", "2.5", "\"s\"", "\n", "@", "#c\n", "/*c*/"
    };
    Random random = new Random(11);
    for (int round = 0; round < 200; round++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(400);
      for (int i = 0; i < length; i++) {
        sb.append(vocabulary[random.nextInt(vocabulary.length)])
            .append(random.nextBoolean() ? " " : "");
      }
      parse(sb.toString());
    }
  }
}
