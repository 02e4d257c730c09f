package dev.kiln.dsl.diag;

import dev.kiln.dsl.ast.Span;
import java.util.ArrayList;
import java.util.List;

/** Collects every diagnostic of one compilation, so one run can report all independent errors. */
public final class Diagnostics {
  private final List<Diagnostic> all = new ArrayList<>();

  public void report(Diagnostic d) {
    // One error per place and message: a poisoned value reached twice must not be reported twice.
    if (!all.contains(d)) {
      all.add(d);
    }
  }

  public void error(String code, Span span, String message, String hint) {
    report(new Diagnostic(Severity.ERROR, code, span, message, hint));
  }

  public void warning(String code, Span span, String message, String hint) {
    report(new Diagnostic(Severity.WARNING, code, span, message, hint));
  }

  public void note(String code, Span span, String message) {
    report(new Diagnostic(Severity.NOTE, code, span, message, null));
  }

  public boolean hasErrors() {
    return all.stream().anyMatch(d -> d.severity() == Severity.ERROR);
  }

  public int errorCount() {
    return (int) all.stream().filter(d -> d.severity() == Severity.ERROR).count();
  }

  public List<Diagnostic> all() {
    return List.copyOf(all);
  }
}
