package dev.kiln.dsl.diag;

/** How bad a diagnostic is. */
public enum Severity {
  ERROR("error"),
  WARNING("warning"),
  NOTE("note");

  public final String label;

  Severity(String label) {
    this.label = label;
  }
}
