package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.annotations.MethodDecl.ParamDecl;
import dev.kiln.processor.sema.Suggest;
import java.util.ArrayList;
import java.util.List;

/**
 * The right-hand side of one op method as the {@code .model} call it stands for: the method's
 * parameters are the op's tensor inputs in order, required attributes are positional arguments, and
 * optional attributes are named arguments present only when written.
 */
final class OpCall {
  private final MethodDecl m;
  private final Attrs a;
  private final Scope scope;
  private final Where where;
  private final Diagnostics diags;
  private boolean failed;

  private OpCall(MethodDecl m, Attrs a, Scope scope, Where where, Diagnostics diags) {
    this.m = m;
    this.a = a;
    this.scope = scope;
    this.where = where;
    this.diags = diags;
  }

  /** The expression of op method {@code m} (not {@code @Repeat}), or null after reporting. */
  static Expr build(MethodDecl m, Attrs a, Scope scope, Where where, Diagnostics diags) {
    OpCall c = new OpCall(m, a, scope, where, diags);
    Expr e = c.expr();
    return c.failed || a.failed() ? null : e;
  }

  private Expr expr() {
    return switch (m.op()) {
      case EMBEDDING ->
        call(
            "embedding",
            x(0),
            a.required("vocab"),
            a.required("dim"),
            named("init", a.optional("init")));
      case POSITION_EMBEDDING ->
        call(
            "add_positions",
            x(0),
            named("max", a.required("max")),
            named("sinusoidal", a.flag("sinusoidal")));
      case LINEAR ->
        call(
            "linear",
            x(0),
            a.required("out"),
            named("bias", a.flag("bias")),
            named("weight", tiedWeight()),
            named("init", a.optional("init")));
      case LAYER_NORM -> call("layernorm", x(0), named("eps", a.optional("eps")));
      case RELU -> call("relu", x(0));
      case GELU -> call("gelu", x(0));
      case GELU_TANH -> call("gelu_tanh", x(0));
      case TANH -> call("tanh", x(0));
      case SOFTMAX -> call("softmax", x(0));
      case DROPOUT -> call("dropout", x(0), a.required("p"));
      case SCALE -> call("scale", x(0), a.required("factor"));
      case ATTENTION ->
        call(
            "attention",
            x(0),
            a.required("heads"),
            named("mask", a.optional("mask")),
            named("head_dim", a.optional("headDim")),
            named("dropout", a.optional("dropout")),
            named("bias", a.flag("bias")),
            named("kv", kv()));
      case ADD -> binary(Expr.BinaryOp.ADD);
      case SUB -> binary(Expr.BinaryOp.SUB);
      case MUL -> binary(Expr.BinaryOp.MUL);
      case MATMUL -> {
        Expr b = x(1);
        Expr.BoolLit t = a.flag("transposeB");
        yield call("matmul", x(0), t != null && t.value() ? new Expr.Transpose(b, b.span()) : b);
      }
      case CONCAT -> {
        List<Object> parts = new ArrayList<>();
        for (int i = 0; i < m.params().size(); i++) {
          parts.add(x(i));
        }
        parts.add(named("axis", a.optional("axis")));
        yield call("concat", parts.toArray());
      }
      case SELECT -> call("select", x(0), a.required("axis"), a.required("index"));
      case SLICE -> call("slice", x(0), a.required("axis"), a.required("start"), a.required("end"));
      case CROSS_ENTROPY ->
        call(
            "cross_entropy",
            x(0),
            x(1),
            named("ignore_index", a.optional("ignoreIndex")),
            named("label_smoothing", a.optional("labelSmoothing")));
      case MEAN -> call("mean", x(0));
      case REPEAT ->
        throw new IllegalArgumentException("@Repeat expands to statements, not to one call");
    };
  }

  /** Parameter {@code i} as a reference to the value it is wired to, located at the parameter. */
  private Expr.Name x(int i) {
    ParamDecl p = m.params().get(i);
    return new Expr.Name(p.name(), where.at(p.element()));
  }

  private static Arg named(String name, Expr value) {
    return value == null ? null : new Arg(name, value, value.span());
  }

  /** A call of built-in {@code callee}; parts are positional expressions or named args (null: left out). */
  private Expr call(String callee, Object... parts) {
    List<Arg> args = new ArrayList<>();
    for (Object p : parts) {
      switch (p) {
        case null -> {}
        case Arg arg -> args.add(arg);
        case Expr e -> args.add(new Arg(null, e, e.span()));
        default -> throw new IllegalArgumentException(String.valueOf(p));
      }
    }
    Span at = a.span();
    return new Expr.Call(callee, args, at, at);
  }

  private Expr binary(Expr.BinaryOp op) {
    Span at = a.span();
    return new Expr.Binary(op, x(0), x(1), at, at);
  }

  /** {@code tok.weight^T} for an embedding table (stored [vocab, d], used [d, vocab]), else {@code tok.weight}. */
  private Expr tiedWeight() {
    Expr.Name n = a.name("tiedTo");
    if (n == null) {
      return null;
    }
    MethodDecl target = scope.methods().get(n.name());
    if (target == null) {
      Message.WIRING.reportWithHint(
          diags,
          n.span(),
          Suggest.hint(n.name(), scope.methods().keySet()),
          "tiedTo '" + n.name() + "' of " + m.name() + " names no method");
      failed = true;
      return null;
    }
    Expr weight = new Expr.Member(n, "weight", n.span());
    return target.op() == OpKind.EMBEDDING ? new Expr.Transpose(weight, n.span()) : weight;
  }

  /** The key/value source: the {@code kv} attribute, or the method's second parameter. */
  private Expr kv() {
    Expr.Name n = a.name("kv");
    if (n == null) {
      return m.params().size() > 1 ? x(1) : null;
    }
    if (m.params().size() > 1) {
      Message.OP_ANNOTATION.reportWithHint(
          diags,
          n.span(),
          "remove kv, or the second parameter",
          "@Attention on '" + m.name() + "' has both kv and a second parameter");
      failed = true;
      return null;
    }
    if (!scope.knows(n.name())) {
      Message.WIRING.reportWithHint(
          diags,
          n.span(),
          Suggest.hint(n.name(), scope.names()),
          "kv '" + n.name() + "' of " + m.name() + " names no method or input");
      failed = true;
      return null;
    }
    return n;
  }
}
