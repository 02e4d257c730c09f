package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Severity;

/**
 * The catalogue of syntax errors of the {@code .model} language: each has a stable code, a message
 * template and a hint template ({@link String#format} placeholders, filled with the same arguments).
 *
 * <p>Codes are part of the user-facing contract (tests and documentation refer to them): never
 * renumber an entry, only append new ones.
 */
public enum SyntaxMessage {
  // Lexical errors.
  UNEXPECTED_CHARACTER("K0001", "unexpected character %s", null),
  UNTERMINATED_STRING(
      "K0002", "unterminated string", "add a closing '\"' before the end of the line"),
  UNTERMINATED_COMMENT("K0003", "unterminated block comment", "close the comment with '*/'"),
  UNKNOWN_ESCAPE(
      "K0004",
      "unknown escape sequence '%s' in a string",
      "the escapes are \\\", \\\\, \\n and \\t"),
  NUMBER_OUT_OF_RANGE("K0005", "number '%s' is too large", "integers must fit in 64 bits"),
  FLOAT_WITHOUT_FRACTION(
      "K0006", "'%s.' is not a number: a '.' must be followed by digits", "write '%1$s.0'"),

  // Top level.
  MISSPELLED_KEYWORD("K0007", "unknown keyword '%s'; did you mean '%s'?", "write '%2$s'"),
  EXPECTED_DECLARATION(
      "K0008",
      "expected 'model', 'block' or 'import', found %s",
      "a file holds imports, then 'model' and 'block' declarations"),
  IMPORT_AFTER_DECLARATION(
      "K0009",
      "'import' must come before the first model or block",
      "move the import to the top of the file"),
  MISSING_NAME("K0010", "expected %s, found %s", null),
  IMPORT_NEEDS_STRING(
      "K0011",
      "expected the imported file's name as a string after 'import', found %s",
      "write the name in double quotes: 'import \"blocks.model\"'"),
  MISSING_BLOCK_PARAMS(
      "K0012",
      "expected '(' after the block name '%s', found %s",
      "a block always lists its parameters, even when there are none: 'block %1$s() { ... }'"),
  MISSING_OPEN_BRACE("K0013", "expected '{' to start %s, found %s", "%3$s"),

  // Brackets.
  UNCLOSED("K0014", "expected '%s' to close %s opened at %s", "%4$s"),
  UNMATCHED_CLOSER(
      "K0015",
      "unexpected '%s' with no matching '%s'",
      "remove it, or add the missing '%2$s' before it"),
  MISSING_SEPARATOR("K0016", "expected ',' or '%s' after %s, found %s", "separate %4$s with ','"),
  NESTING_TOO_DEEP(
      "K0017",
      "brackets are nested too deeply (more than %d levels)",
      "split the expression into several statements"),
  TOO_COMPLEX(
      "K0018",
      "this is too long or too deeply nested to compile (more than %d levels in the syntax tree)",
      "split the expression into several statements"),

  // Statements.
  EXPECTED_STATEMENT(
      "K0019",
      "expected a statement, found %s",
      "a statement starts with a name ('x = ...') or with 'input', 'output', 'for', 'if' or 'return'"),
  AFTER_STATEMENT(
      "K0020",
      "unexpected %s after the end of a statement",
      "an operator may be missing; otherwise start a new statement"),
  DOUBLE_EQUALS("K0021", "'==' compares values; use '=' to bind '%s'", "write '%1$s = ...'"),
  CALL_AS_STATEMENT(
      "K0022",
      "the result of '%s(...)' must be bound to a name",
      "write 'y = %1$s(...)', or 'output y = %1$s(...)' to make it an output"),
  MISSING_ASSIGN("K0023", "expected '=' after '%s', found %s", "bind a value with '%1$s = ...'"),
  KEYWORD_AS_NAME(
      "K0024",
      "'%s' is a keyword and cannot be used as a name",
      "choose another name, e.g. '%1$s_'"),
  MISSING_COLON(
      "K0025",
      "expected ':' after the input name '%s', found %s",
      "put ':' between the name and the element type, as in 'input %1$s: float[B, T]'"),
  MISSING_ELEMENT_TYPE(
      "K0026",
      "expected 'int' or 'float' as the element type of input '%s', found %s",
      "write 'input %1$s: float[B, T]'"),
  MISSING_DIMS(
      "K0027",
      "expected '[' after the element type of input '%s', found %s",
      "list the dimensions in brackets: 'input %1$s: float[B, T]'"),
  MISSING_IN(
      "K0028",
      "expected 'in' after the loop variable '%s', found %s",
      "write 'for %1$s in 0 ..< n { ... }'"),
  MISSING_RANGE(
      "K0029",
      "expected '..<', '..=' or '..' in the range of the 'for' loop, found %s",
      "write 'for %2$s in 0 ..< n' to stop before n, or '0 ..= n' to include n"),
  MISSING_ELSE_BODY(
      "K0030",
      "expected '{' or 'if' after 'else', found %s",
      "write 'else { ... }' or 'else if cond { ... }'"),
  ELSE_WITHOUT_IF(
      "K0031", "'else' without an 'if'", "'else' must follow the closing '}' of an 'if'"),
  OUTPUT_NEEDS_NAME(
      "K0032",
      "expected '=' after the output name '%s', found %s",
      "write 'output %1$s = ...', or 'output %1$s' alone to export an existing value"),

  // Expressions.
  MISSING_EXPRESSION("K0033", "expected an expression after %s, found %s", null),
  TRAILING_OPERATOR(
      "K0034",
      "expected an expression after %s",
      "complete the expression, or remove the trailing %1$s"),
  MISSING_CONDITIONAL_COLON(
      "K0035",
      "expected ':' and the value to use when the condition is false, found %s",
      "write 'cond ? a : b'"),
  CHAINED_COMPARISON(
      "K0036",
      "comparisons cannot be chained",
      "combine two comparisons with '&&', e.g. 'a < b && b < c'"),
  MISSING_TRANSPOSE_T(
      "K0037",
      "expected 'T' after '^' (transpose)",
      "'^' only marks a transpose, as in 'w^T'; use '**' for a power"),
  MISSING_MEMBER(
      "K0038",
      "expected a member name after '.', found %s",
      "write a member name, as in 'tok.weight'"),

  // Fallbacks.
  UNEXPECTED_TOKEN("K0039", "expected %s, found %s", null),
  UNEXPECTED("K0040", "unexpected %s", null),
  INTERNAL_ERROR(
      "K0041",
      "internal error in the parser: %s",
      "please report this, with the file that triggered it");

  private final String code;
  private final String template;
  private final String hintTemplate;

  SyntaxMessage(String code, String template, String hintTemplate) {
    this.code = code;
    this.template = template;
    this.hintTemplate = hintTemplate;
  }

  /** The stable code, e.g. {@code K0013}. */
  public String code() {
    return code;
  }

  /** The message with its placeholders filled. */
  public String message(Object... args) {
    return String.format(template, args);
  }

  /** The default hint with its placeholders filled, or null when this message has none. */
  public String hint(Object... args) {
    return hintTemplate == null ? null : String.format(hintTemplate, args);
  }

  /** An error diagnostic at {@code span} with the default hint. */
  public Diagnostic at(Span span, Object... args) {
    return new Diagnostic(Severity.ERROR, code, span, message(args), hint(args));
  }

  /** An error diagnostic at {@code span} with a hint chosen by the caller (null for none). */
  public Diagnostic withHint(Span span, String hint, Object... args) {
    return new Diagnostic(Severity.ERROR, code, span, message(args), hint);
  }
}
