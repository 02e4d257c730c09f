package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.Expr;
import java.util.List;

/** The names an expression reads, in reading order: what a method depends on. */
final class Names {
  private Names() {}

  static void collect(Expr e, List<String> out) {
    switch (e) {
      case Expr.Name n -> out.add(n.name());
      case Expr.Member m -> collect(m.target(), out);
      case Expr.Transpose t -> collect(t.target(), out);
      case Expr.Call c -> {
        for (Arg a : c.args()) {
          collect(a.value(), out);
        }
      }
      case Expr.Binary b -> {
        collect(b.left(), out);
        collect(b.right(), out);
      }
      case Expr.Unary u -> collect(u.operand(), out);
      case Expr.Conditional c -> {
        collect(c.cond(), out);
        collect(c.then(), out);
        collect(c.otherwise(), out);
      }
      case Expr.ListLit l -> {
        for (Expr item : l.items()) {
          collect(item, out);
        }
      }
      case Expr.IntLit i -> {}
      case Expr.FloatLit f -> {}
      case Expr.BoolLit b -> {}
      case Expr.StringLit s -> {}
    }
  }
}
