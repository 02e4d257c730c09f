package dev.kiln.processor.frontend;

import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.dsl.parse.ModelParser;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses configuration text — {@code "d=64, layers=2, ff=4*d"} from {@code @Model(config = ...)} or
 * {@code --set} flags — into parameter expressions, with the {@code .model} parser so the syntax
 * (and its error messages) are the language's own.
 */
public final class ConfigText {
  private static final String PREFIX = "model __config(";

  private ConfigText() {}

  /** The parameters of {@code text}; syntax errors are reported against {@code origin}. */
  public static List<Param> parse(String text, String origin, Diagnostics diags) {
    if (text.isBlank()) {
      return List.of();
    }
    String flat = text.replace('\n', ' ').replace('\r', ' ');
    SourceText source = new SourceText(origin, PREFIX + flat + ") {}");
    dev.kiln.dsl.parse.ParseResult r = ModelParser.parse(source);
    boolean bad = false;
    for (Diagnostic d : r.diagnostics()) {
      Span s = d.span();
      Span shifted = s == null
          ? null
          : new Span(
              origin,
              s.line(),
              Math.max(1, s.column() - PREFIX.length()),
              s.endLine(),
              Math.max(1, s.endColumn() - PREFIX.length()),
              null);
      diags.report(new Diagnostic(
          d.severity(),
          d.code(),
          shifted,
          "in configuration \"" + text + "\": " + d.message(),
          d.hint()));
      bad = true;
    }
    if (bad
        || r.unit() == null
        || r.unit().decls().size() != 1
        || !(r.unit().decls().getFirst() instanceof Decl.Model m)) {
      return null;
    }
    for (Param p : m.params()) {
      if (p.defaultValue() == null) {
        diags.error(
            "K0124",
            Span.element(origin, null),
            "in configuration \"" + text + "\": '" + p.name() + "' has no value",
            "write " + p.name() + "=<value>");
        return null;
      }
    }
    return m.params();
  }

  /** The same as a map from name to expression, in order. */
  public static Map<String, Expr> overrides(List<Param> params) {
    Map<String, Expr> out = new LinkedHashMap<>();
    for (Param p : params) {
      out.put(p.name(), p.defaultValue());
    }
    return out;
  }
}
