package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Dim;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.Severity;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.dsl.parse.ModelParser;
import dev.kiln.dsl.parse.ParseResult;
import dev.kiln.processor.diag.Message;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses the expression strings of annotations ({@code "4 * d"}, {@code "causal & band(256)"},
 * {@code "B, T <= ctx"}) with the {@code .model} parser, by wrapping them in a one-statement model,
 * so the syntax and its error messages are the language's own. Every span of the result points at
 * the annotation value.
 */
final class AnnotationText {
  private static final String EXPR_PREFIX = "model __annotation { __value = ";
  private static final String DIMS_PREFIX = "model __annotation { input __value: int[";
  private static final Pattern POSITION = Pattern.compile("\\b1:(\\d+)\\b");

  private final Diagnostics diags;

  AnnotationText(Diagnostics diags) {
    this.diags = diags;
  }

  /** The expression written in {@code text}, or null after reporting why it is not one. */
  Expr expr(String text, Span at) {
    List<Stmt> body = parse(text, EXPR_PREFIX, "\n}", at);
    if (body == null) {
      return null;
    }
    if (body.size() != 1 || !(body.getFirst() instanceof Stmt.Let let)) {
      Message.OP_ANNOTATION.report(diags, at, "\"" + text + "\" is not one expression");
      return null;
    }
    return Relocate.expr(let.value(), at);
  }

  /** The dims written in {@code text} (as in {@code input x: int[...]}), or null after reporting. */
  List<Dim> dims(String text, Span at) {
    List<Stmt> body = parse(text, DIMS_PREFIX, "\n]}", at);
    if (body == null) {
      return null;
    }
    if (body.size() != 1 || !(body.getFirst() instanceof Stmt.Input in)) {
      Message.OP_ANNOTATION.report(diags, at, "\"" + text + "\" is not a list of dims");
      return null;
    }
    return in.dims().stream().map(d -> Relocate.dim(d, at)).toList();
  }

  private List<Stmt> parse(String text, String prefix, String suffix, Span at) {
    ParseResult r = ModelParser.parse(new SourceText("annotation", prefix + flat(text) + suffix));
    boolean bad = false;
    for (Diagnostic d : r.diagnostics()) {
      String message = columns(d.message(), prefix.length());
      diags.report(
          new Diagnostic(d.severity(), d.code(), at, "in \"" + text + "\": " + message, d.hint()));
      bad |= d.severity() == Severity.ERROR;
    }
    CompilationUnit unit = r.unit();
    if (bad || unit == null) {
      return null;
    }
    if (unit.decls().size() != 1
        || !(unit.decls().getFirst() instanceof Decl.Model m)
        || !unit.imports().isEmpty()) {
      Message.OP_ANNOTATION.report(diags, at, "\"" + text + "\" is not one expression");
      return null;
    }
    return m.body();
  }

  /** Positions in a parser message ("opened at 1:42") as columns of the annotation text. */
  private static String columns(String message, int shift) {
    return POSITION
        .matcher(message)
        .replaceAll(m -> "column " + Math.max(1, Integer.parseInt(m.group(1)) - shift));
  }

  /**
   * The text on one line, so that a column of the snippet's first line is a column of the text; the
   * snippet's closing brackets go on the next line, where a trailing comment cannot swallow them.
   */
  private static String flat(String text) {
    return text.replace('\n', ' ').replace('\r', ' ');
  }
}
