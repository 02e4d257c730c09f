package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.dsl.ast.AstPrinter;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.DiagnosticRenderer;
import dev.kiln.dsl.diag.SourceText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests: each {@code golden/NAME.model} is parsed and its AST dump (plus rendered diagnostics,
 * if any) compared with {@code golden/NAME.ast}. Run with {@code -Dkiln.regenerateGoldens=true} to
 * rewrite the expected files after an intended change, then review the diff.
 */
class GoldenAstTest {
  private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
  private static final boolean REGENERATE = Boolean.getBoolean("kiln.regenerateGoldens");

  static Stream<String> goldenFiles() throws IOException {
    try (Stream<Path> files = Files.list(GOLDEN)) {
      List<String> names = files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".model"))
          .sorted()
          .toList();
      return names.stream();
    }
  }

  @Test
  void thereAreEnoughGoldenFiles() throws IOException {
    assertTrue(goldenFiles().count() >= 10, "golden files in " + GOLDEN.toAbsolutePath());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenFiles")
  void matchesGolden(String name) throws IOException {
    Path modelFile = GOLDEN.resolve(name);
    Path astFile = GOLDEN.resolve(name.replaceAll("\\.model$", ".ast"));
    String actual = dump(name, Files.readString(modelFile, StandardCharsets.UTF_8));
    if (REGENERATE) {
      Files.writeString(astFile, actual, StandardCharsets.UTF_8);
      return;
    }
    assertTrue(
        Files.exists(astFile), "missing " + astFile + "; run with -Dkiln.regenerateGoldens=true");
    assertEquals(Files.readString(astFile, StandardCharsets.UTF_8), actual, "AST dump of " + name);
  }

  /** Only {@code recovery.model} is meant to have syntax errors; every other golden file must be clean. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("goldenFiles")
  void goldenFilesOtherThanRecoveryParseCleanly(String name) throws IOException {
    ParseResult result =
        ModelParser.parse(new SourceText(name, Files.readString(GOLDEN.resolve(name))));
    assertNotNull(result.unit());
    assertEquals(
        name.startsWith("recovery"), result.hasErrors(), () -> name + ": " + result.diagnostics());
  }

  static String dump(String name, String text) {
    SourceText source = new SourceText(name, text);
    ParseResult result = ModelParser.parse(source);
    StringBuilder out = new StringBuilder();
    out.append(result.unit() == null ? "(no unit)\n" : AstPrinter.print(result.unit()));
    DiagnosticRenderer renderer = new DiagnosticRenderer(Map.of(name, source));
    for (Diagnostic d : result.diagnostics()) {
      out.append('\n').append(d.code()).append(' ').append(renderer.render(d)).append('\n');
    }
    return out.toString();
  }
}
