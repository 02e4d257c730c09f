package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Block;
import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.annotations.MethodDecl.ParamDecl;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * A {@code @Repeat} method as statements: {@code h = x0; for i in 0 ..< times { h = Block(h, extra..,
 * layer = i, name = "h.{i}") }}, so layer {@code i}'s weights are named {@code h.<i>.*}, exactly as the
 * {@code .model} form names them. Parameters after the first are passed to the block's further inputs.
 */
final class RepeatCall {
  private final Context ctx;
  private final Where where;
  private final InterfaceGraph owner;
  private final MethodDecl m;
  private final Attrs a;

  RepeatCall(Context ctx, Where where, InterfaceGraph owner, MethodDecl m, Attrs a) {
    this.ctx = ctx;
    this.where = where;
    this.owner = owner;
    this.m = m;
    this.a = a;
  }

  /** The statements, or null after reporting. */
  List<Stmt> expand() {
    Expr times = a.required("times");
    InterfaceGraph b = block();
    if (times == null || b == null || a.failed()) {
      return null;
    }
    List<String> blockInputs = b.inputNames();
    if (blockInputs.size() != m.params().size()) {
      Message.OP_ANNOTATION.reportWithHint(
          ctx.diags,
          a.span("block"),
          "a block's inputs are its parameters that name none of its methods; the first is the value carried from layer to layer",
          "@Repeat on '" + m.name() + "' passes " + m.params().size() + " tensor(s), but block "
              + b.name() + " has " + blockInputs.size() + " input(s)"
              + (blockInputs.isEmpty() ? "" : ": " + String.join(", ", blockInputs)));
      return null;
    }
    Span at = a.span();
    String i = loopVariable();
    List<Arg> args = new ArrayList<>();
    args.add(new Arg(null, new Expr.Name(m.name(), at), at));
    for (ParamDecl p : m.params().subList(1, m.params().size())) {
      Span ps = where.at(p.element());
      args.add(new Arg(null, new Expr.Name(p.name(), ps), ps));
    }
    args.add(new Arg(InterfaceGraph.LAYER, new Expr.Name(i, at), at));
    args.add(new Arg("name", new Expr.StringLit(m.name() + ".{" + i + "}", at), at));
    Expr call = new Expr.Call(b.name(), args, a.span("block"), at);
    ParamDecl first = m.params().getFirst();
    List<Stmt> stmts = new ArrayList<>();
    stmts.add(new Stmt.Let(m.name(), new Expr.Name(first.name(), where.at(first.element())), at));
    stmts.add(new Stmt.For(
        i, new Expr.IntLit(0, at), times, false, List.of(new Stmt.Let(m.name(), call, at)), at));
    if (m.output() != null && !owner.isBlock()) {
      stmts.add(owner.output(m, null));
    }
    return stmts;
  }

  /** The {@code @Block} interface named by {@code @Repeat(block = ...)}, or null after reporting. */
  private InterfaceGraph block() {
    TypeMirror t = a.type("block");
    if (t == null || ctx.unresolved(t)) {
      return null;
    }
    TypeElement te =
        t.getKind() == TypeKind.DECLARED ? (TypeElement) ((DeclaredType) t).asElement() : null;
    if (te == null
        || te.getKind() != ElementKind.INTERFACE
        || Mirrors.find(te, Block.class.getCanonicalName()) == null) {
      Message.OP_ANNOTATION.reportWithHint(
          ctx.diags,
          a.span("block"),
          "declare the block as an interface annotated @Block, compiled with the model (Kiln's annotations are source-only)",
          "@Repeat(block) on '" + m.name() + "' must be a @Block interface, but " + t + " is not");
      return null;
    }
    return ctx.block(te);
  }

  /** A loop variable that shadows nothing the loop body reads. */
  private String loopVariable() {
    Set<String> taken = new TreeSet<>(ctx.config);
    taken.addAll(owner.boundNames());
    taken.add(InterfaceGraph.LAYER);
    for (String c : List.of("i", "j", "k")) {
      if (!taken.contains(c)) {
        return c;
      }
    }
    int n = 1;
    while (taken.contains("i" + n)) {
      n++;
    }
    return "i" + n;
  }
}
