package dev.kiln.dsl.ast;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

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
 *
 * <p>The walk uses an explicit stack rather than recursion, so that dumping the deepest tree the
 * parser accepts cannot overflow a small thread stack.
 */
public final class AstPrinter {
  /** A pending piece of output: a node, or a labelled group of nodes such as {@code (then ...)}. */
  private record Item(String label, Node node, List<? extends Node> group, int depth) {}

  private static final String CLOSE = ")";

  private final StringBuilder out = new StringBuilder();
  private final Deque<Object> work = new ArrayDeque<>();

  private AstPrinter() {}

  /** The dump of a whole file, ending with a newline. */
  public static String print(CompilationUnit unit) {
    return print((Node) unit);
  }

  /** The dump of one node (a file, a declaration, a statement, an expression, ...), ending with a newline. */
  public static String print(Node node) {
    AstPrinter p = new AstPrinter();
    p.work.push(new Item(null, node, null, 0));
    while (!p.work.isEmpty()) {
      Object next = p.work.pop();
      if (next instanceof Item item) {
        p.emit(item);
      } else {
        p.out.append((String) next);
      }
    }
    return p.out.append('\n').toString();
  }

  /** Writes the head of one item and schedules its children, then its closing parenthesis. */
  private void emit(Item item) {
    int depth = item.depth();
    if (item.label() != null) {
      line(depth).append('(').append(item.label());
      children(depth, item.group());
      return;
    }
    Node node = item.node();
    switch (node) {
      case CompilationUnit u -> {
        open(depth, "unit " + quote(u.file()), u.span());
        List<Object> children = new ArrayList<>();
        for (CompilationUnit.Import imp : u.imports()) {
          children.add("\n" + "  ".repeat(depth + 1) + "(import " + quote(imp.path()) + " "
              + where(imp.span()) + ")");
        }
        for (Decl d : u.decls()) {
          children.add(new Item(null, d, null, depth + 1));
        }
        schedule(children);
      }
      case Decl.Model m -> decl("model", m, depth);
      case Decl.Block b -> decl("block", b, depth);
      case Param p ->
        withChildren(depth, "param " + p.name(), p.span(), optional(p.defaultValue()));
      case Arg a ->
        withChildren(
            depth, a.name() == null ? "arg" : "arg " + a.name(), a.span(), List.of(a.value()));
      case Dim.Named d -> withChildren(depth, "named-dim " + d.name(), d.span(), optional(d.max()));
      case Dim.Sized d -> withChildren(depth, "sized-dim", d.span(), List.of(d.size()));
      case Stmt.Input in ->
        withChildren(
            depth,
            "input " + in.name() + " " + in.type().name().toLowerCase(Locale.ROOT),
            in.span(),
            in.dims());
      case Stmt.Let let ->
        withChildren(depth, "let " + let.name(), let.span(), List.of(let.value()));
      case Stmt.Output o ->
        withChildren(depth, "output " + o.name(), o.span(), optional(o.value()));
      case Stmt.For f -> {
        open(depth, "for " + f.var() + (f.inclusive() ? " inclusive" : " exclusive"), f.span());
        schedule(List.of(
            new Item("from", null, List.of(f.from()), depth + 1),
            new Item("to", null, List.of(f.to()), depth + 1),
            new Item("body", null, f.body(), depth + 1)));
      }
      case Stmt.If i -> {
        open(depth, "if", i.span());
        schedule(List.of(
            new Item("cond", null, List.of(i.cond()), depth + 1),
            new Item("then", null, i.then(), depth + 1),
            new Item("else", null, i.otherwise(), depth + 1)));
      }
      case Stmt.Return r -> withChildren(depth, "return", r.span(), List.of(r.value()));
      case Expr.IntLit i -> withChildren(depth, "int " + i.value(), i.span(), List.of());
      case Expr.FloatLit f -> withChildren(depth, "float " + f.value(), f.span(), List.of());
      case Expr.BoolLit b -> withChildren(depth, "bool " + b.value(), b.span(), List.of());
      case Expr.StringLit s ->
        withChildren(depth, "string " + quote(s.value()), s.span(), List.of());
      case Expr.Name n -> withChildren(depth, "name " + n.name(), n.span(), List.of());
      case Expr.Member m ->
        withChildren(depth, "member " + m.member(), m.span(), List.of(m.target()));
      case Expr.Transpose t -> withChildren(depth, "transpose", t.span(), List.of(t.target()));
      case Expr.Call c ->
        withChildren(
            depth,
            "call " + c.callee() + " " + where(c.span()) + " callee" + where(c.calleeSpan()),
            null,
            c.args());
      case Expr.Binary b ->
        withChildren(
            depth,
            "binary " + b.op().symbol + " " + where(b.span()) + " op" + where(b.opSpan()),
            null,
            List.of(b.left(), b.right()));
      case Expr.Unary u ->
        withChildren(depth, "unary " + u.op().symbol, u.span(), List.of(u.operand()));
      case Expr.Conditional c ->
        withChildren(depth, "conditional", c.span(), List.of(c.cond(), c.then(), c.otherwise()));
      case Expr.ListLit l -> withChildren(depth, "list", l.span(), l.items());
    }
  }

  private void decl(String kind, Decl decl, int depth) {
    open(depth, kind + " " + decl.name(), decl.span());
    schedule(List.of(
        new Item("params", null, decl.params(), depth + 1),
        new Item("body", null, decl.body(), depth + 1)));
  }

  private void withChildren(int depth, String head, Span span, List<? extends Node> children) {
    open(depth, head, span);
    children(depth, children);
  }

  private void children(int depth, List<? extends Node> children) {
    List<Object> items = new ArrayList<>();
    for (Node child : children) {
      items.add(new Item(null, child, null, depth + 1));
    }
    schedule(items);
  }

  /** Queues {@code children} to be written in order, followed by the closing parenthesis. */
  private void schedule(List<?> children) {
    work.push(CLOSE);
    for (int i = children.size() - 1; i >= 0; i--) {
      work.push(children.get(i));
    }
  }

  private static List<Node> optional(Node node) {
    return node == null ? List.of() : List.of(node);
  }

  private void open(int depth, String head, Span span) {
    line(depth).append('(').append(head);
    if (span != null) {
      out.append(' ').append(where(span));
    }
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
