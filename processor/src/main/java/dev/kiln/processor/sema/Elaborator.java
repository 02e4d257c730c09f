package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Dim;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Init;
import dev.kiln.processor.ir.MaskExpr;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.ShapeException;
import dev.kiln.processor.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Elaboration: evaluates a model's configuration, unrolls its loops, instantiates its blocks and
 * builds the IR graph, checking names, arguments and shapes on the way. Every mistake becomes a
 * diagnostic at the expression that caused it; a failed expression evaluates to {@link
 * SemValue.Poison}, which silently absorbs later uses, so one run reports every independent error once.
 */
public final class Elaborator {
  private static final int MAX_BLOCK_DEPTH = 32;

  private final Program program;
  private final Diagnostics diags;

  /** Where each output was declared, for messages about it. */
  private final Map<String, Span> outputSpans = new HashMap<>();

  private final GraphBuilder g;
  private final OpCalls ops;
  private final Deque<String> blockStack = new ArrayDeque<>();
  private Env env;
  private Scope scope = new Scope("");
  /** Names bound later in the current body, with their line, for "used before defined". */
  private Map<String, Integer> laterDefinitions = Map.of();
  /** Loop variables of the model-level loops, for layer labels. */
  private final Deque<String> loopLabels = new ArrayDeque<>();

  /** Parameter-name scope of a model or block instance: a prefix and the local names used in it. */
  static final class Scope {
    final String prefix;
    final Map<String, Integer> used = new HashMap<>();

    Scope(String prefix) {
      this.prefix = prefix;
    }

    /** A fresh local name: {@code base}, then {@code base_1}, {@code base_2}, ... */
    String unique(String base) {
      int n = used.merge(base, 1, Integer::sum);
      return n == 1 ? base : base + "_" + (n - 1);
    }
  }

  private Elaborator(Program program, Diagnostics diags) {
    this.program = program;
    this.diags = diags;
    this.g = new GraphBuilder(diags);
    this.ops = new OpCalls(this, g, diags);
  }

  /**
   * Elaborates model {@code modelName} of {@code program}, with configuration {@code overrides}
   * (expressions evaluated in place of the parameters' defaults) reported at {@code requestSpan}
   * when they name no parameter.
   * Returns null when the model does not exist; otherwise a graph, valid only if no error was reported.
   */
  public static Graph elaborate(
      Program program,
      String modelName,
      Map<String, Expr> overrides,
      Span requestSpan,
      Diagnostics diags) {
    Decl.Model model = program.models().get(modelName);
    if (model == null) {
      return null;
    }
    return new Elaborator(program, diags).run(model, overrides, requestSpan);
  }

  private Graph run(Decl.Model model, Map<String, Expr> overrides, Span requestSpan) {
    env = new Env(null);
    Map<String, Object> config = new LinkedHashMap<>();
    Set<String> declared = new HashSet<>();
    for (Param p : model.params()) {
      declared.add(p.name());
    }
    for (String key : overrides.keySet()) {
      if (!declared.contains(key)) {
        Message.UNKNOWN_CONFIG.reportWithHint(
            diags, requestSpan, hintOrList(key, declared), model.name(), key, "");
      }
    }
    for (Param p : model.params()) {
      SemValue v;
      if (overrides.containsKey(p.name())) {
        v = eval(overrides.get(p.name()), null);
      } else if (p.defaultValue() != null) {
        v = eval(p.defaultValue(), null);
      } else {
        Message.MISSING_ARGUMENT.report(diags, p.span(), "model " + model.name(), p.name());
        v = new SemValue.Poison();
      }
      if (!(v instanceof SemValue.Poison)
          && !(SemValue.isNumber(v) || v instanceof SemValue.Bool || v instanceof SemValue.Str)) {
        Message.TYPE_MISMATCH.report(
            diags,
            p.span(),
            "model parameter '" + p.name() + "' must be a number or true/false, got "
                + v.describe());
        v = new SemValue.Poison();
      }
      env.bind(p.name(), v, p.span());
      config.put(p.name(), configValue(v));
    }
    modelConfig = new Env(null);
    for (Param p : model.params()) {
      Env.Binding b = env.lookup(p.name());
      modelConfig.bind(p.name(), b.value(), b.span());
    }
    laterDefinitions = definitions(model.body());
    execBody(model.body(), false);
    checkUnusedInputs();
    Value loss = chooseLoss(model);
    if (g.outputs.isEmpty() && !diags.hasErrors()) {
      Message.NO_OUTPUT.report(diags, model.span(), model.name());
    }
    return g.build(model.name(), model.span().file(), config, loss);
  }

  private static Object configValue(SemValue v) {
    return switch (v) {
      case SemValue.Int i -> i.value();
      case SemValue.Float f -> f.value();
      case SemValue.Bool b -> b.value();
      case SemValue.Str s -> s.value();
      default -> "?";
    };
  }

  private static String hintOrList(String key, Set<String> names) {
    String h = Suggest.hint(key, names);
    return h != null ? h : "its parameters are: " + String.join(", ", new TreeSet<>(names));
  }

  private Value chooseLoss(Decl.Model model) {
    Value named = g.outputs.get("loss");
    if (named != null) {
      if (named.shape().rank() != 0) {
        Message.LOSS_NOT_SCALAR.report(
            diags, outputSpans.getOrDefault("loss", model.span()), "f32" + named.shape());
        return null;
      }
      return named;
    }
    Value only = null;
    for (Value v : g.outputs.values()) {
      if (v.shape().rank() == 0 && v.dtype() == DType.FLOAT) {
        if (only != null) {
          return null;
        }
        only = v;
      }
    }
    return only;
  }

  private void checkUnusedInputs() {
    if (diags.hasErrors()) {
      return; // statements skipped after an error may be the ones using an input: no false warning
    }
    Set<Integer> used = new HashSet<>();
    for (var n : g.nodes) {
      for (Value v : n.inputs()) {
        used.add(v.id());
      }
    }
    for (Value v : g.outputs.values()) {
      used.add(v.id());
    }
    for (var n : g.nodes) {
      if (n.op() instanceof Op.Attention a && a.lengthsInput() != null) {
        for (Value in : g.inputs) {
          if (in.name().equals(a.lengthsInput())) {
            used.add(in.id());
          }
        }
      }
    }
    for (Value in : g.inputs) {
      if (!used.contains(in.id())) {
        Message.UNUSED_INPUT.report(diags, g.inputSpans.get(in.name()), in.name());
      }
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Statements

  /** Marker for a {@code return} met while executing a block body. */
  private record Returned(SemValue value) {}

  private Returned execBody(List<Stmt> body, boolean inBlock) {
    for (int i = 0; i < body.size(); i++) {
      Stmt s = body.get(i);
      Returned r = exec(s, inBlock);
      if (r != null) {
        if (i + 1 < body.size()) {
          Message.MISPLACED_RETURN.report(
              diags, body.get(i + 1).span(), "statement after 'return' is never executed");
        }
        return r;
      }
    }
    return null;
  }

  private Returned exec(Stmt s, boolean inBlock) {
    String savedSource = g.source;
    String savedLayer = g.layer;
    g.source = sourceOf(s.span());
    if (blockStack.isEmpty()) {
      String bound =
          switch (s) {
            case Stmt.Let l -> l.name();
            case Stmt.Output o -> o.name();
            case Stmt.Input in -> in.name();
            default -> null;
          };
      if (bound != null) {
        g.layer = bound + String.join("", loopLabels);
      }
    }
    try {
      switch (s) {
        case Stmt.Input in -> input(in, inBlock);
        case Stmt.Let let -> env.bind(let.name(), eval(let.value(), let.name()), let.span());
        case Stmt.Output out -> output(out, inBlock);
        case Stmt.For f -> {
          return loop(f, inBlock);
        }
        case Stmt.If i -> {
          SemValue c = eval(i.cond(), null);
          if (c instanceof SemValue.Poison) {
            return null;
          }
          if (!(c instanceof SemValue.Bool b)) {
            Message.NOT_BOOLEAN.report(diags, i.cond().span(), c.describe());
            return null;
          }
          return execBody(b.value() ? i.then() : i.otherwise(), inBlock);
        }
        case Stmt.Return r -> {
          if (!inBlock) {
            Message.MISPLACED_RETURN.report(
                diags,
                r.span(),
                "'return' is only allowed in a block; use 'output name = ...' in a model");
            return null;
          }
          return new Returned(eval(r.value(), null));
        }
      }
      return null;
    } finally {
      g.source = savedSource;
      g.layer = savedLayer;
    }
  }

  /**
   * Where a node was declared, as generated code shows it: the file's name without its folder (so
   * generated sources do not depend on where the project is checked out), line and text.
   */
  private String sourceOf(Span span) {
    if (span.origin() != null || span.line() == 0) {
      return fileName(span.file());
    }
    return fileName(span.file()) + ":" + span.line() + ": "
        + program.line(span.file(), span.line());
  }

  /** {@code path} without its folders. */
  static String fileName(String path) {
    return path == null
        ? null
        : path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  }

  private Returned loop(Stmt.For f, boolean inBlock) {
    SemValue from = eval(f.from(), null);
    SemValue to = eval(f.to(), null);
    if (from instanceof SemValue.Poison || to instanceof SemValue.Poison) {
      return null;
    }
    if (!(from instanceof SemValue.Int a)) {
      Message.NOT_INTEGER.report(diags, f.from().span(), "loop start", from.describe());
      return null;
    }
    if (!(to instanceof SemValue.Int b)) {
      Message.NOT_INTEGER.report(diags, f.to().span(), "loop end", to.describe());
      return null;
    }
    long end = f.inclusive() ? b.value() + 1 : b.value();
    Env.Binding shadowed = env.lookup(f.var());
    for (long i = a.value(); i < end; i++) {
      env.bind(f.var(), new SemValue.Int(i), f.span());
      loopLabels.addLast("_" + f.var() + i);
      try {
        Returned r = execBody(f.body(), inBlock);
        if (r != null) {
          return r;
        }
      } finally {
        loopLabels.removeLast();
      }
    }
    if (shadowed != null) {
      env.bind(f.var(), shadowed.value(), shadowed.span());
    } else {
      env.unbind(f.var());
    }
    return null;
  }

  private void input(Stmt.Input in, boolean inBlock) {
    if (inBlock) {
      Message.MISPLACED_RETURN.report(
          diags,
          in.span(),
          "inputs are declared in a model, not in a block; pass the tensor as a block parameter");
      return;
    }
    List<dev.kiln.processor.ir.Dim> dims = new ArrayList<>();
    boolean ok = true;
    for (Dim d : in.dims()) {
      dev.kiln.processor.ir.Dim dim = inputDim(d);
      if (dim == null) {
        ok = false;
      }
      dims.add(dim);
    }
    if (!ok) {
      env.bind(in.name(), new SemValue.Poison(), in.span());
      return;
    }
    DType type = in.type() == Stmt.ElemType.INT ? DType.INT : DType.FLOAT;
    if (g.inputSpans.containsKey(in.name())) {
      Message.DUPLICATE_DEFINITION.report(diags, in.span(), "input", in.name());
      return;
    }
    Value v = g.input(in.name(), new Shape(dims), type, in.span());
    env.bind(in.name(), new SemValue.Tensor(v, Map.of()), in.span());
  }

  private dev.kiln.processor.ir.Dim inputDim(Dim d) {
    switch (d) {
      case Dim.Named n -> {
        Env.Binding b = env.lookup(n.name());
        if (b != null && !(b.value() instanceof SemValue.RuntimeDim)) {
          if (n.max() != null) {
            Message.RUNTIME_DIM.report(
                diags,
                n.span(),
                "'" + n.name()
                    + "' is a model parameter, not a run-time dim; it cannot have a bound");
            return null;
          }
          return staticDim(b.value(), n.span(), "dimension '" + n.name() + "'");
        }
        int max = 0;
        if (n.max() != null) {
          SemValue m = eval(n.max(), null);
          if (m instanceof SemValue.Poison) {
            return null;
          }
          dev.kiln.processor.ir.Dim md = staticDim(m, n.max().span(), "the bound of " + n.name());
          if (md == null) {
            return null;
          }
          max = ((dev.kiln.processor.ir.Dim.Fixed) md).size();
        }
        RuntimeDim existing = g.dims.get(n.name());
        if (existing != null && max > 0 && existing.max() > 0 && existing.max() != max) {
          Message.RUNTIME_DIM.report(
              diags,
              n.max().span(),
              "run-time dim " + n.name() + " is bounded by " + existing.max()
                  + " elsewhere, here by " + max);
          return null;
        }
        if (existing == null || (max > 0 && existing.max() == 0)) {
          g.dims.put(n.name(), new RuntimeDim(n.name(), max, n.span()));
        }
        env.bind(n.name(), new SemValue.RuntimeDim(n.name()), n.span());
        return dev.kiln.processor.ir.Dim.sym(n.name());
      }
      case Dim.Sized s -> {
        SemValue v = eval(s.size(), null);
        return v instanceof SemValue.Poison ? null : staticDim(v, s.span(), "dimension");
      }
    }
  }

  /** A positive integer from a config value, or null after reporting why not. */
  dev.kiln.processor.ir.Dim staticDim(SemValue v, Span span, String what) {
    if (v instanceof SemValue.Poison) {
      return null;
    }
    if (!(v instanceof SemValue.Int i)) {
      Message.NOT_INTEGER.report(diags, span, what, v.describe());
      return null;
    }
    if (i.value() <= 0 || i.value() > Integer.MAX_VALUE) {
      Message.NON_POSITIVE_DIM.report(diags, span, what, i.value());
      return null;
    }
    return dev.kiln.processor.ir.Dim.of((int) i.value());
  }

  private void output(Stmt.Output out, boolean inBlock) {
    if (inBlock) {
      Message.MISPLACED_RETURN.report(
          diags,
          out.span(),
          "outputs are declared in a model; a block gives its result with 'return'");
      return;
    }
    SemValue v = out.value() != null
        ? eval(out.value(), out.name())
        : eval(new Expr.Name(out.name(), out.span()), null);
    if (out.value() != null) {
      env.bind(out.name(), v, out.span());
    }
    if (v instanceof SemValue.Poison) {
      return;
    }
    Value t = tensorOf(v, out.value() != null ? out.value().span() : out.span(), "an output");
    if (t == null) {
      return;
    }
    if (g.outputs.containsKey(out.name())) {
      Message.DUPLICATE_OUTPUT.report(diags, out.span(), out.name());
      return;
    }
    g.outputs.put(out.name(), t);
    outputSpans.put(out.name(), out.span());
  }

  // -----------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Evaluates an expression. {@code bindingName} is the name the result is bound to when the
   * expression is the whole right-hand side of a binding, so {@code tok = embedding(...)} names its
   * weight {@code tok.weight}.
   */
  SemValue eval(Expr e, String bindingName) {
    return switch (e) {
      case Expr.IntLit i -> new SemValue.Int(i.value());
      case Expr.FloatLit f -> new SemValue.Float(f.value());
      case Expr.BoolLit b -> new SemValue.Bool(b.value());
      case Expr.StringLit s -> interpolate(s);
      case Expr.ListLit l -> {
        List<SemValue> items = new ArrayList<>();
        for (Expr item : l.items()) {
          items.add(eval(item, null));
        }
        yield new SemValue.ListV(items);
      }
      case Expr.Name n -> name(n);
      case Expr.Member m -> member(m);
      case Expr.Transpose t -> transpose(t);
      case Expr.Call c -> call(c, bindingName);
      case Expr.Binary b -> binary(b);
      case Expr.Unary u -> unary(u);
      case Expr.Conditional c -> {
        SemValue cond = eval(c.cond(), null);
        if (cond instanceof SemValue.Poison) {
          yield cond;
        }
        if (!(cond instanceof SemValue.Bool b)) {
          Message.NOT_BOOLEAN.report(diags, c.cond().span(), cond.describe());
          yield new SemValue.Poison();
        }
        yield eval(b.value() ? c.then() : c.otherwise(), bindingName);
      }
    };
  }

  private SemValue interpolate(Expr.StringLit s) {
    String text = s.value();
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      int close = c == '{' ? text.indexOf('}', i) : -1;
      if (close < 0) {
        out.append(c);
        i++;
        continue;
      }
      String name = text.substring(i + 1, close).strip();
      Env.Binding b = env.lookup(name);
      if (b == null) {
        Message.UNKNOWN_NAME.reportWithHint(diags, s.span(), Suggest.hint(name, env.names()), name);
        return new SemValue.Poison();
      }
      switch (b.value()) {
        case SemValue.Int v -> out.append(v.value());
        case SemValue.Str v -> out.append(v.value());
        case SemValue.Bool v -> out.append(v.value());
        case SemValue.Float v -> out.append(v.value());
        case SemValue.Poison p -> {
          return p;
        }
        default -> {
          Message.TYPE_MISMATCH.report(
              diags, s.span(), "cannot put " + b.value().describe() + " into a string");
          return new SemValue.Poison();
        }
      }
      i = close + 1;
    }
    return new SemValue.Str(out.toString());
  }

  private SemValue name(Expr.Name n) {
    Env.Binding b = env.lookup(n.name());
    if (b != null) {
      return b.value();
    }
    switch (n.name()) {
      case "causal" -> {
        return new SemValue.Mask(new MaskExpr.Causal());
      }
      case "full" -> {
        return new SemValue.Mask(new MaskExpr.Full());
      }
      case "padding" -> {
        return paddingMask("lengths", n.span());
      }
      case "zeros" -> {
        return new SemValue.InitV(new Init.Constant(0));
      }
      case "ones" -> {
        return new SemValue.InitV(new Init.Constant(1));
      }
      case "pi" -> {
        return new SemValue.Float(Math.PI);
      }
      default -> {}
    }
    if (g.dims.containsKey(n.name())) {
      return new SemValue.RuntimeDim(n.name());
    }
    Integer later = laterDefinitions.get(n.name());
    if (later != null && later >= n.span().line()) {
      Message.USED_BEFORE_DEFINED.report(diags, n.span(), n.name(), later);
      return new SemValue.Poison();
    }
    Set<String> candidates = new TreeSet<>(env.names());
    candidates.addAll(Builtins.MASK_CONSTANTS);
    candidates.addAll(g.dims.keySet());
    Message.UNKNOWN_NAME.reportWithHint(
        diags, n.span(), Suggest.hint(n.name(), candidates), n.name());
    return new SemValue.Poison();
  }

  SemValue paddingMask(String lengths, Span span) {
    Value in = null;
    for (Value v : g.inputs) {
      if (v.name().equals(lengths)) {
        in = v;
      }
    }
    if (in == null) {
      Message.PADDING_MISUSE.reportWithHint(
          diags,
          span,
          "declare it: input " + lengths + ": int[B]",
          "the padding mask needs an input '" + lengths + "' with the length of each sequence");
      return new SemValue.Poison();
    }
    if (in.dtype() != DType.INT || in.shape().rank() != 1) {
      Message.PADDING_MISUSE.report(
          diags,
          span,
          "padding lengths '" + lengths + "' must be int[B], got " + in.dtype().label + in.shape());
      return new SemValue.Poison();
    }
    return new SemValue.Mask(new MaskExpr.Padding(lengths));
  }

  private SemValue member(Expr.Member m) {
    SemValue target = eval(m.target(), null);
    if (target instanceof SemValue.Poison) {
      return target;
    }
    String text = render(m);
    if (target instanceof SemValue.Tensor t) {
      Value w = t.weights().get(m.member());
      if (w != null) {
        return new SemValue.Operand(w, false, text);
      }
      String owner = render(m.target());
      String hint = t.weights().isEmpty()
          ? "'" + owner + "' was not produced by an op with weights"
          : Suggest.hint(m.member(), t.weights().keySet()) != null
              ? Suggest.hint(m.member(), t.weights().keySet())
              : "it has: " + String.join(", ", t.weights().keySet());
      Message.UNKNOWN_MEMBER.report(diags, m.span(), owner, m.member(), hint);
      return new SemValue.Poison();
    }
    Message.TYPE_MISMATCH.report(
        diags, m.span(), "cannot take '." + m.member() + "' of " + target.describe());
    return new SemValue.Poison();
  }

  private SemValue transpose(Expr.Transpose t) {
    SemValue v = eval(t.target(), null);
    return switch (v) {
      case SemValue.Poison p -> p;
      case SemValue.Operand o -> new SemValue.Operand(o.value(), !o.transposed(), render(t));
      case SemValue.Tensor x -> new SemValue.Operand(x.value(), true, render(t));
      default -> {
        Message.TYPE_MISMATCH.report(
            diags, t.span(), "only tensors and weights can be transposed, not " + v.describe());
        yield new SemValue.Poison();
      }
    };
  }

  /** Source-like text of an expression, for messages. */
  static String render(Expr e) {
    return switch (e) {
      case Expr.Name n -> n.name();
      case Expr.Member m -> render(m.target()) + "." + m.member();
      case Expr.Transpose t -> render(t.target()) + "^T";
      case Expr.IntLit i -> Long.toString(i.value());
      case Expr.FloatLit f -> Double.toString(f.value());
      case Expr.BoolLit b -> Boolean.toString(b.value());
      case Expr.StringLit s -> "\"" + s.value() + "\"";
      case Expr.Call c -> c.callee() + "(...)";
      case Expr.Binary b ->
        operand(b.left(), b.op(), false) + " " + b.op().symbol + " "
            + operand(b.right(), b.op(), true);
      case Expr.Unary u ->
        u.op().symbol
            + (u.operand() instanceof Expr.Binary || u.operand() instanceof Expr.Conditional
                ? "(" + render(u.operand()) + ")"
                : render(u.operand()));
      case Expr.Conditional c ->
        render(c.cond()) + " ? " + render(c.then()) + " : " + render(c.otherwise());
      case Expr.ListLit l -> "[...]";
    };
  }

  /** An operand of {@code parent}, parenthesised where the source must have had parentheses. */
  private static String operand(Expr e, Expr.BinaryOp parent, boolean right) {
    boolean paren =
        switch (e) {
          case Expr.Conditional c -> true;
          case Expr.Binary b -> {
            int inner = precedence(b.op());
            int outer = precedence(parent);
            boolean rightAssoc = parent == Expr.BinaryOp.POW;
            yield inner < outer || (inner == outer && right != rightAssoc);
          }
          default -> false;
        };
    return paren ? "(" + render(e) + ")" : render(e);
  }

  private static int precedence(Expr.BinaryOp op) {
    return switch (op) {
      case OR -> 0;
      case AND -> 1;
      case BIT_OR -> 2;
      case BIT_AND -> 3;
      case EQ, NE, LT, LE, GT, GE -> 4;
      case ADD, SUB -> 5;
      case MUL, DIV, MOD -> 6;
      case POW -> 7;
    };
  }

  private SemValue unary(Expr.Unary u) {
    SemValue v = eval(u.operand(), null);
    if (v instanceof SemValue.Poison) {
      return v;
    }
    switch (u.op()) {
      case NEG -> {
        if (v instanceof SemValue.Int i) {
          return new SemValue.Int(-i.value());
        }
        if (v instanceof SemValue.Float f) {
          return new SemValue.Float(-f.value());
        }
        if (v instanceof SemValue.Mask m) {
          return maskMisuse(m, u.operand().span());
        }
        Value t = tensorOf(v, u.operand().span(), "negation");
        return t == null ? new SemValue.Poison() : ops.apply(new Op.Scale(-1), u.span(), "neg", t);
      }
      case NOT -> {
        if (v instanceof SemValue.Bool b) {
          return new SemValue.Bool(!b.value());
        }
        if (v instanceof SemValue.Mask m) {
          return new SemValue.Mask(new MaskExpr.Not(m.mask()));
        }
        Message.TYPE_MISMATCH.report(
            diags, u.span(), "'!' needs true/false or a mask, got " + v.describe());
        return new SemValue.Poison();
      }
    }
    return new SemValue.Poison();
  }

  SemValue maskMisuse(SemValue.Mask m, Span span) {
    Message.MASK_OUTSIDE_ATTENTION.report(diags, span, m.mask().toString());
    return new SemValue.Poison();
  }

  private SemValue binary(Expr.Binary b) {
    SemValue l = eval(b.left(), null);
    SemValue r = eval(b.right(), null);
    if (l instanceof SemValue.Poison || r instanceof SemValue.Poison) {
      return new SemValue.Poison();
    }
    Expr.BinaryOp op = b.op();
    // Mask algebra.
    if (l instanceof SemValue.Mask || r instanceof SemValue.Mask) {
      if ((op == Expr.BinaryOp.BIT_AND
              || op == Expr.BinaryOp.BIT_OR
              || op == Expr.BinaryOp.AND
              || op == Expr.BinaryOp.OR)
          && l instanceof SemValue.Mask lm
          && r instanceof SemValue.Mask rm) {
        boolean and = op == Expr.BinaryOp.BIT_AND || op == Expr.BinaryOp.AND;
        return new SemValue.Mask(
            and ? new MaskExpr.And(lm.mask(), rm.mask()) : new MaskExpr.Or(lm.mask(), rm.mask()));
      }
      return l instanceof SemValue.Mask lm
          ? maskMisuse(lm, b.left().span())
          : maskMisuse((SemValue.Mask) r, b.right().span());
    }
    // Logic.
    if (op == Expr.BinaryOp.AND
        || op == Expr.BinaryOp.OR
        || op == Expr.BinaryOp.BIT_AND
        || op == Expr.BinaryOp.BIT_OR) {
      if (l instanceof SemValue.Bool lb && r instanceof SemValue.Bool rb) {
        boolean and = op == Expr.BinaryOp.AND || op == Expr.BinaryOp.BIT_AND;
        return new SemValue.Bool(and ? lb.value() && rb.value() : lb.value() || rb.value());
      }
      Message.TYPE_MISMATCH.report(
          diags,
          b.opSpan(),
          "'" + op.symbol + "' needs true/false or masks on both sides, got " + l.describe()
              + " and " + r.describe());
      return new SemValue.Poison();
    }
    if (SemValue.isNumber(l) && SemValue.isNumber(r)) {
      return ConfigMath.binary(op, l, r, b, diags);
    }
    if ((op == Expr.BinaryOp.EQ || op == Expr.BinaryOp.NE)
        && l instanceof SemValue.Bool lb
        && r instanceof SemValue.Bool rb) {
      return new SemValue.Bool((lb.value() == rb.value()) == (op == Expr.BinaryOp.EQ));
    }
    return tensorArithmetic(op, l, r, b);
  }

  private SemValue tensorArithmetic(Expr.BinaryOp op, SemValue l, SemValue r, Expr.Binary b) {
    boolean lt = isTensorLike(l);
    boolean rt = isTensorLike(r);
    if (lt
        && rt
        && (op == Expr.BinaryOp.ADD || op == Expr.BinaryOp.SUB || op == Expr.BinaryOp.MUL)) {
      Value a = tensorOf(l, b.left().span(), "an operand");
      Value c = tensorOf(r, b.right().span(), "an operand");
      if (a == null || c == null) {
        return new SemValue.Poison();
      }
      Op.Arith kind = op == Expr.BinaryOp.ADD
          ? Op.Arith.ADD
          : op == Expr.BinaryOp.SUB ? Op.Arith.SUB : Op.Arith.MUL;
      // Broadcasting: the smaller operand must match the trailing dims of the larger; + and *
      // commute.
      if (!a.shape().endsWith(c.shape()) && c.shape().endsWith(a.shape()) && kind != Op.Arith.SUB) {
        Value swap = a;
        a = c;
        c = swap;
      }
      return ops.apply(new Op.Binary(kind), b.span(), kind.op, a, c);
    }
    if (lt && SemValue.isNumber(r) && (op == Expr.BinaryOp.MUL || op == Expr.BinaryOp.DIV)) {
      Value a = tensorOf(l, b.left().span(), "an operand");
      double s = SemValue.number(r);
      if (op == Expr.BinaryOp.DIV && s == 0) {
        Message.DIVISION_BY_ZERO.report(
            diags, b.right().span(), "'" + render(b) + "' (a tensor divided by zero)");
        return new SemValue.Poison();
      }
      return a == null
          ? new SemValue.Poison()
          : ops.apply(new Op.Scale(op == Expr.BinaryOp.MUL ? s : 1 / s), b.span(), "scale", a);
    }
    if (SemValue.isNumber(l) && rt && op == Expr.BinaryOp.MUL) {
      Value a = tensorOf(r, b.right().span(), "an operand");
      return a == null
          ? new SemValue.Poison()
          : ops.apply(new Op.Scale(SemValue.number(l)), b.span(), "scale", a);
    }
    if (l instanceof SemValue.RuntimeDim || r instanceof SemValue.RuntimeDim) {
      SemValue.RuntimeDim d = l instanceof SemValue.RuntimeDim x ? x : (SemValue.RuntimeDim) r;
      Message.RUNTIME_DIM.report(
          diags,
          b.span(),
          "'" + d.name() + "' is a run-time dim; it cannot be used in arithmetic or comparisons");
      return new SemValue.Poison();
    }
    Message.TYPE_MISMATCH.report(
        diags,
        b.opSpan(),
        "cannot apply '" + b.op().symbol + "' to " + l.describe() + " and " + r.describe());
    return new SemValue.Poison();
  }

  private static boolean isTensorLike(SemValue v) {
    return v instanceof SemValue.Tensor || (v instanceof SemValue.Operand o && !o.transposed());
  }

  /** The tensor of a value used as an op input, or null after reporting why it is not one. */
  Value tensorOf(SemValue v, Span span, String role) {
    return switch (v) {
      case SemValue.Tensor t -> t.value();
      case SemValue.Operand o when !o.transposed() -> o.value();
      case SemValue.Poison p -> null;
      case SemValue.Mask m -> {
        maskMisuse(m, span);
        yield null;
      }
      default -> {
        Message.TYPE_MISMATCH.report(
            diags, span, "expected a tensor as " + role + ", got " + v.describe());
        yield null;
      }
    };
  }

  // -----------------------------------------------------------------------------------------------
  // Calls

  private SemValue call(Expr.Call c, String bindingName) {
    Decl.Block block = program.blocks().get(c.callee());
    if (block != null) {
      return instantiate(block, c, bindingName);
    }
    Signature sig = Builtins.OPS.get(c.callee());
    if (sig != null) {
      Map<String, Bound> args = bind(sig, c);
      return args == null ? new SemValue.Poison() : ops.call(sig.op(), args, c, bindingName);
    }
    if (Builtins.MASK_FUNCTIONS.contains(c.callee())) {
      return maskCall(c);
    }
    if (Builtins.INIT_FUNCTIONS.contains(c.callee())
        || Builtins.CONFIG_FUNCTIONS.contains(c.callee())) {
      List<SemValue> args = new ArrayList<>();
      for (Arg a : c.args()) {
        args.add(eval(a.value(), null));
      }
      if (args.stream().anyMatch(a -> a instanceof SemValue.Poison)) {
        return new SemValue.Poison();
      }
      return ConfigMath.function(c, args, diags);
    }
    Set<String> candidates = new TreeSet<>(Builtins.callables());
    candidates.addAll(program.blocks().keySet());
    String hint = Suggest.hint(c.callee(), candidates);
    Message.UNKNOWN_OP.reportWithHint(
        diags,
        c.calleeSpan(),
        hint != null ? hint : "known ops: " + String.join(", ", Builtins.OPS.keySet()),
        c.callee());
    for (Arg a : c.args()) {
      eval(a.value(), null); // still report errors inside the arguments
    }
    return new SemValue.Poison();
  }

  private SemValue maskCall(Expr.Call c) {
    String f = c.callee();
    if (f.equals("padding")) {
      if (c.args().size() != 1 || !(c.args().getFirst().value() instanceof Expr.Name n)) {
        Message.WRONG_ARGUMENT.report(
            diags, c.span(), "padding", "lengths", "the name of an int[B] input", "something else");
        return new SemValue.Poison();
      }
      return paddingMask(n.name(), n.span());
    }
    int arity = f.equals("fixed") ? 2 : 1;
    if (c.args().size() != arity) {
      Message.TOO_MANY_ARGUMENTS.reportWithHint(
          diags,
          c.span(),
          f + " takes " + arity + " argument(s)",
          f,
          arity,
          c.args().size());
      return new SemValue.Poison();
    }
    int[] values = new int[arity];
    for (int i = 0; i < arity; i++) {
      Expr e = c.args().get(i).value();
      dev.kiln.processor.ir.Dim d =
          staticDim(eval(e, null), e.span(), f + " " + (i == 0 ? "width" : "count"));
      if (d == null) {
        return new SemValue.Poison();
      }
      values[i] = ((dev.kiln.processor.ir.Dim.Fixed) d).size();
    }
    return switch (f) {
      case "band" -> new SemValue.Mask(new MaskExpr.Band(values[0]));
      case "strided" -> new SemValue.Mask(new MaskExpr.Strided(values[0]));
      default -> {
        if (values[1] > values[0]) {
          Message.WRONG_ARGUMENT.report(
              diags, c.span(), "fixed", "c", "at most l (" + values[0] + ")", values[1]);
          yield new SemValue.Poison();
        }
        yield new SemValue.Mask(new MaskExpr.Fixed(values[0], values[1]));
      }
    };
  }

  /** An argument after binding: its value and where it was written. */
  record Bound(SemValue value, Span span) {}

  /**
   * Binds a call's arguments to a built-in signature, reporting unknown, duplicate, missing and
   * ill-typed arguments. Returns null when any argument is wrong (after reporting all of them).
   * Variadic signatures collect their positional arguments under the key {@code "*"} as a list.
   */
  private Map<String, Bound> bind(Signature sig, Expr.Call c) {
    Map<String, Bound> out = new LinkedHashMap<>();
    boolean ok = true;
    List<SemValue> rest = new ArrayList<>();
    int positional = 0;
    for (Arg a : c.args()) {
      SemValue v = eval(a.value(), null);
      if (v instanceof SemValue.Poison) {
        // Already reported; keep the positions of the arguments after it where they belong.
        if (a.name() == null) {
          positional++;
        }
        ok = false;
        continue;
      }
      String name;
      if (a.name() == null) {
        if (sig.variadic()) {
          rest.add(v);
          continue;
        }
        if (positional >= sig.params().size()) {
          Message.TOO_MANY_ARGUMENTS.report(
              diags, a.span(), sig.op(), sig.params().size(), countPositional(c));
          ok = false;
          break;
        }
        name = sig.params().get(positional++).name();
      } else {
        name = a.name();
        if (sig.param(name) == null) {
          String hint = Suggest.hint(name, sig.names());
          Message.UNKNOWN_ARGUMENT.reportWithHint(
              diags,
              a.span(),
              hint != null ? hint : sig.op() + " takes: " + String.join(", ", sig.names()),
              sig.op(),
              name);
          ok = false;
          continue;
        }
      }
      if (out.containsKey(name)) {
        Message.DUPLICATE_ARGUMENT.report(diags, a.span(), name);
        ok = false;
        continue;
      }
      Signature.Parameter p = sig.param(name);
      SemValue checked = checkKind(sig, p, v, a.value().span());
      if (checked == null) {
        ok = false;
        continue;
      }
      out.put(name, new Bound(checked, a.value().span()));
    }
    for (Signature.Parameter p : sig.params()) {
      if (p.required() && !out.containsKey(p.name()) && ok) {
        Message.MISSING_ARGUMENT.report(diags, c.span(), sig.op(), p.name());
        ok = false;
      }
    }
    if (sig.variadic()) {
      List<SemValue> tensors = new ArrayList<>();
      for (SemValue v : rest) {
        if (!isTensorLike(v)) {
          Message.WRONG_ARGUMENT.report(
              diags, c.span(), sig.op(), "inputs", "tensors", v.describe());
          return null;
        }
        tensors.add(v);
      }
      out.put("*", new Bound(new SemValue.ListV(tensors), c.span()));
    }
    return ok ? out : null;
  }

  private static int countPositional(Expr.Call c) {
    int n = 0;
    for (Arg a : c.args()) {
      if (a.name() == null) {
        n++;
      }
    }
    return n;
  }

  private SemValue checkKind(Signature sig, Signature.Parameter p, SemValue v, Span span) {
    boolean ok =
        switch (p.kind()) {
          case TENSOR -> isTensorLike(v);
          case INT -> v instanceof SemValue.Int;
          case FLOAT -> SemValue.isNumber(v);
          case BOOL -> v instanceof SemValue.Bool;
          case STRING -> v instanceof SemValue.Str;
          case MASK -> v instanceof SemValue.Mask;
          case INIT -> v instanceof SemValue.InitV;
          case WEIGHT -> v instanceof SemValue.Operand || v instanceof SemValue.Tensor;
          case DIM -> v instanceof SemValue.RuntimeDim || v instanceof SemValue.Int;
          case SHAPE -> v instanceof SemValue.ListV;
        };
    if (ok) {
      return v;
    }
    if (v instanceof SemValue.Mask m) {
      maskMisuse(m, span);
      return null;
    }
    Message.WRONG_ARGUMENT.report(
        diags, span, sig.op(), p.name(), p.kind().description, v.describe());
    return null;
  }

  // -----------------------------------------------------------------------------------------------
  // Blocks

  private SemValue instantiate(Decl.Block block, Expr.Call c, String bindingName) {
    if (blockStack.contains(block.name()) || blockStack.size() >= MAX_BLOCK_DEPTH) {
      Message.RECURSIVE_BLOCK.report(diags, c.calleeSpan(), block.name());
      return new SemValue.Poison();
    }
    // Bind arguments in the caller's environment.
    Map<String, SemValue> values = new LinkedHashMap<>();
    Map<String, Span> spans = new HashMap<>();
    String explicitName = null;
    int positional = 0;
    boolean ok = true;
    List<String> paramNames = block.params().stream().map(Param::name).toList();
    for (Arg a : c.args()) {
      SemValue v = eval(a.value(), null);
      if (v instanceof SemValue.Poison) {
        if (a.name() == null) {
          positional++;
        }
        ok = false;
        continue;
      }
      String name;
      if (a.name() == null) {
        if (positional >= block.params().size()) {
          Message.TOO_MANY_ARGUMENTS.report(
              diags, a.span(), block.name(), block.params().size(), countPositional(c));
          ok = false;
          break;
        }
        name = block.params().get(positional++).name();
      } else if (a.name().equals("name") && !paramNames.contains("name")) {
        if (!(v instanceof SemValue.Str s)) {
          Message.WRONG_ARGUMENT.report(
              diags, a.value().span(), block.name(), "name", "a string", v.describe());
          ok = false;
          continue;
        }
        explicitName = s.value();
        continue;
      } else {
        name = a.name();
        if (!paramNames.contains(name)) {
          String hint = Suggest.hint(name, paramNames);
          Message.UNKNOWN_ARGUMENT.reportWithHint(
              diags,
              a.span(),
              hint != null ? hint : block.name() + " takes: " + String.join(", ", paramNames),
              block.name(),
              name);
          ok = false;
          continue;
        }
      }
      if (values.containsKey(name)) {
        Message.DUPLICATE_ARGUMENT.report(diags, a.span(), name);
        ok = false;
        continue;
      }
      values.put(name, v);
      spans.put(name, a.span());
    }
    if (!ok) {
      return new SemValue.Poison();
    }
    // The block sees its parameters, then the calling model's configuration.
    Env callerEnv = env;
    Env root = callerEnv;
    Scope callerScope = scope;
    Map<String, Integer> callerLater = laterDefinitions;
    String savedLayer = g.layer;
    Env blockEnv = new Env(configEnv());
    env = blockEnv;
    String local = explicitName != null
        ? explicitName
        : callerScope.unique(bindingName != null ? bindingName : lower(block.name()));
    scope = new Scope(callerScope.prefix + local + ".");
    if (blockStack.isEmpty()) {
      g.layer = local;
    }
    blockStack.push(block.name());
    try {
      for (Param p : block.params()) {
        if (values.containsKey(p.name())) {
          blockEnv.bind(p.name(), values.get(p.name()), spans.get(p.name()));
        } else if (p.defaultValue() != null) {
          blockEnv.bind(p.name(), eval(p.defaultValue(), null), p.span());
        } else {
          Message.MISSING_ARGUMENT.report(diags, c.span(), block.name(), p.name());
          return new SemValue.Poison();
        }
      }
      laterDefinitions = definitions(block.body());
      Returned r = execBody(block.body(), true);
      if (r == null) {
        Message.MISPLACED_RETURN.report(
            diags, block.span(), "block '" + block.name() + "' ends without 'return'");
        return new SemValue.Poison();
      }
      return r.value();
    } finally {
      blockStack.pop();
      env = root;
      scope = callerScope;
      laterDefinitions = callerLater;
      g.layer = savedLayer;
    }
  }

  /** The model's configuration parameters: what a block instance sees besides its own parameters. */
  private Env modelConfig;

  private Env configEnv() {
    return modelConfig;
  }

  private static String lower(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** Full parameter name for a local name in the current scope. */
  String paramName(String local, String weight) {
    return scope.prefix + local + "." + weight;
  }

  /** The local name of a parameterised op: explicit name, else the binding name, else the op name. */
  String localName(Bound explicit, String bindingName, String op) {
    if (explicit != null) {
      return ((SemValue.Str) explicit.value()).value();
    }
    return scope.unique(bindingName != null ? bindingName : op);
  }

  RuntimeDim runtimeDim(String name) {
    return g.dims.get(name);
  }

  void updateRuntimeDim(RuntimeDim d) {
    g.dims.put(d.name(), d);
  }

  Role roleOf(Value v) {
    return v.role();
  }

  /** Where each name is first bound in a body (including nested loops and branches), by line. */
  private static Map<String, Integer> definitions(List<Stmt> body) {
    Map<String, Integer> out = new HashMap<>();
    collect(body, out);
    return out;
  }

  private static void collect(List<Stmt> body, Map<String, Integer> out) {
    for (Stmt s : body) {
      switch (s) {
        case Stmt.Let l -> out.putIfAbsent(l.name(), l.span().line());
        case Stmt.Output o -> {
          if (o.value() != null) {
            out.putIfAbsent(o.name(), o.span().line());
          }
        }
        case Stmt.For f -> collect(f.body(), out);
        case Stmt.If i -> {
          collect(i.then(), out);
          collect(i.otherwise(), out);
        }
        default -> {}
      }
    }
  }

  static List<Value> single(Value v) {
    return List.of(v);
  }

  static SemValue shapeError(Diagnostics diags, ShapeException e, Span span) {
    Message.SHAPE_MISMATCH.reportWithHint(diags, span, e.hint(), e.getMessage());
    return new SemValue.Poison();
  }
}
