package dev.kiln.processor.diag;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.Severity;

/**
 * Every message the processor can report, each with a stable id and, where the fix is obvious, a
 * hint. Messages are {@link String#format} templates; a hint template may use the same arguments.
 * (Syntax errors of {@code .model} files live in the parser's own catalogue, {@code SyntaxMessage}.)
 */
public enum Message {
  UNKNOWN_NAME("K0101", Severity.ERROR, "unknown name '%s'", null),
  UNKNOWN_OP("K0102", Severity.ERROR, "unknown op '%s'", null),
  UNKNOWN_ARGUMENT("K0103", Severity.ERROR, "%s has no argument '%s'", null),
  MISSING_ARGUMENT("K0104", Severity.ERROR, "%s is missing argument '%s'", null),
  TOO_MANY_ARGUMENTS(
      "K0105",
      Severity.ERROR,
      "%s takes %d positional argument(s), got %d",
      "pass the extra ones by name"),
  DUPLICATE_ARGUMENT("K0106", Severity.ERROR, "argument '%s' is given more than once", null),
  WRONG_ARGUMENT("K0107", Severity.ERROR, "%s: argument '%s' must be %s, got %s", null),
  SHAPE_MISMATCH("K0108", Severity.ERROR, "%s", null),
  HEADS_DO_NOT_DIVIDE(
      "K0109",
      Severity.ERROR,
      "attention heads (%d) must divide the width (%d)",
      "give head_dim explicitly, or choose a number of heads that divides %2$d"),
  MASK_OUTSIDE_ATTENTION(
      "K0110",
      Severity.ERROR,
      "mask '%s' used outside attention",
      "masks can only be passed to attention(..., mask = ...)"),
  CYCLE("K0111", Severity.ERROR, "cycle in the model graph: %s", "a value cannot depend on itself"),
  DIVISION_BY_ZERO("K0112", Severity.ERROR, "division by zero in %s", null),
  NON_POSITIVE_DIM("K0113", Severity.ERROR, "%s must be positive, got %d", null),
  TIED_WEIGHT_SHAPE(
      "K0114", Severity.ERROR, "tied weight '%s' has shape %s, but %s needs %s", "%5$s"),
  UNUSED_INPUT(
      "K0115", Severity.WARNING, "input '%s' is never used", "remove it, or use it in the model"),
  TYPE_MISMATCH("K0116", Severity.ERROR, "%s", null),
  UNKNOWN_MEMBER("K0117", Severity.ERROR, "'%s' has no weight named '%s'", "%3$s"),
  USED_BEFORE_DEFINED(
      "K0118",
      Severity.ERROR,
      "'%s' is used before it is defined (line %d)",
      "move the definition above its first use"),
  DUPLICATE_OUTPUT("K0119", Severity.ERROR, "output '%s' is declared more than once", null),
  NO_SUCH_MODEL("K0120", Severity.ERROR, "%s", null),
  MODEL_FILE("K0121", Severity.ERROR, "%s", null),
  IMPORT_NOT_FOUND(
      "K0122",
      Severity.ERROR,
      "cannot find imported file '%s'",
      "imports are resolved relative to the importing file"),
  UNKNOWN_CONFIG("K0123", Severity.ERROR, "model %s has no parameter '%s'", "%s"),
  BAD_CONFIG_VALUE(
      "K0124",
      Severity.ERROR,
      "cannot use '%s' as the value of parameter '%s'",
      "use a number, true or false"),
  MISPLACED_RETURN("K0125", Severity.ERROR, "%s", null),
  RECURSIVE_BLOCK(
      "K0126",
      Severity.ERROR,
      "block '%s' calls itself",
      "blocks cannot be recursive; use a for loop"),
  RUNTIME_DIM("K0127", Severity.ERROR, "%s", null),
  PADDING_MISUSE("K0129", Severity.ERROR, "%s", null),
  LOSS_NOT_SCALAR(
      "K0130",
      Severity.ERROR,
      "output 'loss' must be a scalar, got %s",
      "reduce it with mean(...) or cross_entropy(...)"),
  DUPLICATE_DEFINITION("K0131", Severity.ERROR, "%s '%s' is defined more than once", null),
  DUPLICATE_PARAMETER_NAME(
      "K0132",
      Severity.ERROR,
      "two weights are both named '%s'",
      "give one of them a different name = \"...\""),
  INTERNAL(
      "K0133",
      Severity.ERROR,
      "internal error while compiling model %s: %s",
      "please report this with the model file"),
  NOT_BOOLEAN("K0135", Severity.ERROR, "condition must be true or false, got %s", null),
  NOT_INTEGER("K0136", Severity.ERROR, "%s must be an integer, got %s", null),
  WIRING("K0140", Severity.ERROR, "%s", null),
  OP_ANNOTATION("K0141", Severity.ERROR, "%s", null),
  NO_OUTPUT(
      "K0142",
      Severity.ERROR,
      "model %s declares no output",
      "mark the result with 'output name = ...' or @Output"),
  SUMMARY("K0150", Severity.NOTE, "%s", null);

  public final String code;
  public final Severity severity;
  private final String template;
  private final String hintTemplate;

  Message(String code, Severity severity, String template, String hintTemplate) {
    this.code = code;
    this.severity = severity;
    this.template = template;
    this.hintTemplate = hintTemplate;
  }

  /** Builds the diagnostic; {@code hint} overrides the catalogue hint when non-null. */
  public Diagnostic at(Span span, String hint, Object... args) {
    String h =
        hint != null ? hint : hintTemplate == null ? null : String.format(hintTemplate, args);
    return new Diagnostic(severity, code, span, String.format(template, args), h);
  }

  /** Reports this message with its catalogue hint. */
  public void report(Diagnostics diags, Span span, Object... args) {
    diags.report(at(span, null, args));
  }

  /** Reports this message with a specific hint (null for none beyond the catalogue's). */
  public void reportWithHint(Diagnostics diags, Span span, String hint, Object... args) {
    diags.report(at(span, hint, args));
  }
}
