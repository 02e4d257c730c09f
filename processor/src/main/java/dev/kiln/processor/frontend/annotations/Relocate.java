package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.Dim;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;

/**
 * Rewrites every span of a parsed annotation string to the span of the annotation value it came
 * from: positions inside a synthetic snippet mean nothing to javac, the value's position does.
 */
final class Relocate {
  private Relocate() {}

  static Expr expr(Expr e, Span s) {
    return switch (e) {
      case null -> null;
      case Expr.IntLit i -> new Expr.IntLit(i.value(), s);
      case Expr.FloatLit f -> new Expr.FloatLit(f.value(), s);
      case Expr.BoolLit b -> new Expr.BoolLit(b.value(), s);
      case Expr.StringLit str -> new Expr.StringLit(str.value(), s);
      case Expr.Name n -> new Expr.Name(n.name(), s);
      case Expr.Member m -> new Expr.Member(expr(m.target(), s), m.member(), s);
      case Expr.Transpose t -> new Expr.Transpose(expr(t.target(), s), s);
      case Expr.Call c ->
        new Expr.Call(
            c.callee(),
            c.args().stream().map(a -> new Arg(a.name(), expr(a.value(), s), s)).toList(),
            s,
            s);
      case Expr.Binary b -> new Expr.Binary(b.op(), expr(b.left(), s), expr(b.right(), s), s, s);
      case Expr.Unary u -> new Expr.Unary(u.op(), expr(u.operand(), s), s);
      case Expr.Conditional c ->
        new Expr.Conditional(expr(c.cond(), s), expr(c.then(), s), expr(c.otherwise(), s), s);
      case Expr.ListLit l ->
        new Expr.ListLit(l.items().stream().map(i -> expr(i, s)).toList(), s);
    };
  }

  static Dim dim(Dim d, Span s) {
    return switch (d) {
      case Dim.Named n -> new Dim.Named(n.name(), expr(n.max(), s), s);
      case Dim.Sized z -> new Dim.Sized(expr(z.size(), s), s);
    };
  }
}
