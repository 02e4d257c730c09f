package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Severity;
import java.util.List;

/**
 * What parsing one {@code .model} file produced: the AST and the syntax errors, in source order.
 *
 * <p>{@code unit} is null only when nothing could be built (e.g. nesting too deep to parse safely).
 * When {@code diagnostics} holds errors, {@code unit} is a best-effort tree: statements, parameters and
 * declarations that could not be parsed are left out.
 */
public record ParseResult(CompilationUnit unit, List<Diagnostic> diagnostics) {
  public ParseResult {
    diagnostics = List.copyOf(diagnostics);
  }

  /** Whether any diagnostic is an error. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
  }
}
