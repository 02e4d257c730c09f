package dev.kiln.dsl.ast;

import java.util.List;

/**
 * Dumps an AST as an indented S-expression with the span of every node ({@code @line:col-endLine:endCol},
 * end exclusive), deterministically, for golden tests and debugging.
 *
 * <pre>
 * (let x @3:3-3:16
 *   (binary + @3:7-3:16 op@3:9-3:10
 *     (name a @3:7-3:8)
 *     (int 1 @3:11-3:12)))
 * </pre>
 */
public final class AstPrinter {
  private final StringBuilder out = new StringBuilder();

  private AstPrinter() {}

  /** The dump of a whole file, ending with a newline. */
  public static String print(CompilationUnit unit) {
    AstPrinter p = new AstPrinter();
    p.unit(unit);
    return p.out.append('\n').toString();
  }

  /** The dump of one node (an expression, a statement, ...), ending with a newline. */
  public static String print(Node node) {
    AstPrinter p = new AstPrinter();
    p.node(node, 0);
    return p.out.append('\n').toString();
  }

  private void unit(CompilationUnit unit) {
    open(0, "unit " + quote(unit.file()), unit.span());
    for (CompilationUnit.Import imp : unit.imports()) {
      leaf(1, "import " + quote(imp.path()), imp.span());
    }
    for (Decl decl : unit.decls()) {
      node(decl, 1);
    }
    out.append(')');
  }

  private void node(Node node, int depth) {
    switch (node) {
      case CompilationUnit u -> unit(u);
      case Decl.Model m -> decl("model", m, depth);
      case Decl.Block b -> decl("block", b, depth);
      case Param p -> {
        if (p.defaultValue() == null) {
          leaf(depth, "param " + p.name(), p.span());
        } else {
          open(depth, "param " + p.name(), p.span());
          node(p.defaultValue(), depth + 1);
          out.append(')');
        }
      }
      case Arg a -> {
        open(depth, a.name() == null ? "arg" : "arg " + a.name(), a.span());
        node(a.value(), depth + 1);
        out.append(')');
      }
      case Dim.Named d -> {
        if (d.max() == null) {
          leaf(depth, "named-dim " + d.name(), d.span());
        } else {
          open(depth, "named-dim " + d.name(), d.span());
          node(d.max(), depth + 1);
          out.append(')');
        }
      }
      case Dim.Sized d -> {
        open(depth, "sized-dim", d.span());
        node(d.size(), depth + 1);
        out.append(')');
      }
      case Stmt s -> stmt(s, depth);
      case Expr e -> expr(e, depth);
    }
  }

  private void decl(String kind, Decl decl, int depth) {
    open(depth, kind + " " + decl.name(), decl.span());
    group(depth + 1, "params", decl.params());
    group(depth + 1, "body", decl.body());
    out.append(')');
  }

  private void stmt(Stmt stmt, int depth) {
    switch (stmt) {
      case Stmt.Input in -> {
        open(depth, "input " + in.name() + " " + in.type().name().toLowerCase(java.util.Locale.ROOT), in.span());
        for (Dim d : in.dims()) {
          node(d, depth + 1);
        }
        out.append(')');
      }
      case Stmt.Let let -> {
        open(depth, "let " + let.name(), let.span());
        node(let.value(), depth + 1);
        out.append(')');
      }
      case Stmt.Output o -> {
        if (o.value() == null) {
          leaf(depth, "output " + o.name(), o.span());
        } else {
          open(depth, "output " + o.name(), o.span());
          node(o.value(), depth + 1);
          out.append(')');
        }
      }
      case Stmt.For f -> {
        open(depth, "for " + f.var() + (f.inclusive() ? " inclusive" : " exclusive"), f.span());
        group(depth + 1, "from", List.of(f.from()));
        group(depth + 1, "to", List.of(f.to()));
        group(depth + 1, "body", f.body());
        out.append(')');
      }
      case Stmt.If i -> {
        open(depth, "if", i.span());
        group(depth + 1, "cond", List.of(i.cond()));
        group(depth + 1, "then", i.then());
        group(depth + 1, "else", i.otherwise());
        out.append(')');
      }
      case Stmt.Return r -> {
        open(depth, "return", r.span());
        node(r.value(), depth + 1);
        out.append(')');
      }
    }
  }

  private void expr(Expr expr, int depth) {
    switch (expr) {
      case Expr.IntLit i -> leaf(depth, "int " + i.value(), i.span());
      case Expr.FloatLit f -> leaf(depth, "float " + f.value(), f.span());
      case Expr.BoolLit b -> leaf(depth, "bool " + b.value(), b.span());
      case Expr.StringLit s -> leaf(depth, "string " + quote(s.value()), s.span());
      case Expr.Name n -> leaf(depth, "name " + n.name(), n.span());
      case Expr.Member m -> {
        open(depth, "member " + m.member(), m.span());
        node(m.target(), depth + 1);
        out.append(')');
      }
      case Expr.Transpose t -> {
        open(depth, "transpose", t.span());
        node(t.target(), depth + 1);
        out.append(')');
      }
      case Expr.Call c -> {
        if (c.args().isEmpty()) {
          leaf(depth, "call " + c.callee() + " " + where(c.span()) + " callee" + where(c.calleeSpan()), null);
        } else {
          open(depth, "call " + c.callee() + " " + where(c.span()) + " callee" + where(c.calleeSpan()), null);
          for (Arg a : c.args()) {
            node(a, depth + 1);
          }
          out.append(')');
        }
      }
      case Expr.Binary b -> {
        open(depth, "binary " + b.op().symbol + " " + where(b.span()) + " op" + where(b.opSpan()), null);
        node(b.left(), depth + 1);
        node(b.right(), depth + 1);
        out.append(')');
      }
      case Expr.Unary u -> {
        open(depth, "unary " + u.op().symbol, u.span());
        node(u.operand(), depth + 1);
        out.append(')');
      }
      case Expr.Conditional c -> {
        open(depth, "conditional", c.span());
        node(c.cond(), depth + 1);
        node(c.then(), depth + 1);
        node(c.otherwise(), depth + 1);
        out.append(')');
      }
      case Expr.ListLit l -> {
        open(depth, "list", l.span());
        for (Expr item : l.items()) {
          node(item, depth + 1);
        }
        out.append(')');
      }
    }
  }

  /** A labelled list of children, e.g. {@code (then ...)}; printed as {@code (then)} when empty. */
  private void group(int depth, String label, List<? extends Node> children) {
    line(depth).append('(').append(label);
    for (Node child : children) {
      node(child, depth + 1);
    }
    out.append(')');
  }

  private void open(int depth, String head, Span span) {
    line(depth).append('(').append(head);
    if (span != null) {
      out.append(' ').append(where(span));
    }
  }

  private void leaf(int depth, String head, Span span) {
    open(depth, head, span);
    out.append(')');
  }

  private StringBuilder line(int depth) {
    if (!out.isEmpty()) {
      out.append('\n');
    }
    return out.append("  ".repeat(depth));
  }

  private static String where(Span span) {
    if (span == null) {
      return "@?";
    }
    if (span.origin() != null) {
      return "@" + span.file();
    }
    return "@" + span.line() + ":" + span.column() + "-" + span.endLine() + ":" + span.endColumn();
  }

  /** A Java-style string literal, so that every dump is one line per node whatever the text holds. */
  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
