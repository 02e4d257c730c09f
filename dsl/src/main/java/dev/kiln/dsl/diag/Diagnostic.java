package dev.kiln.dsl.diag;

import dev.kiln.dsl.ast.Span;

/**
 * One message about a model declaration: what is wrong ({@code message}), where ({@code span}), and,
 * when the fix is obvious, how to fix it ({@code hint}, may be null). {@code code} is the stable id
 * from the diagnostics catalogue (e.g. {@code K0101}).
 */
public record Diagnostic(Severity severity, String code, Span span, String message, String hint) {

  /** {@code file:line:col: error: message} — the first line of the rendered diagnostic. */
  public String headline() {
    String where = span == null ? "" : span.location() + ": ";
    return where + severity.label + ": " + message;
  }

  @Override
  public String toString() {
    return headline();
  }
}
