package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Dim;
import dev.kiln.processor.ir.Init;
import dev.kiln.processor.ir.MaskExpr;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.ShapeException;
import dev.kiln.processor.ir.Value;
import dev.kiln.processor.sema.Elaborator.Bound;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in ops: turns a bound call into IR nodes and parameters. Composite ops expand here:
 * {@code attention} becomes its projections plus the fused attention core.
 */
final class OpCalls {
  private static final Init DEFAULT_INIT = new Init.Normal(0.02);
  private static final Init ZEROS = new Init.Constant(0);
  private static final Init ONES = new Init.Constant(1);

  private final Elaborator el;
  private final GraphBuilder g;
  private final Diagnostics diags;

  OpCalls(Elaborator el, GraphBuilder g, Diagnostics diags) {
    this.el = el;
    this.g = g;
    this.diags = diags;
  }

  /** Adds one node and returns its first output as a tensor value (poison on a shape error). */
  SemValue apply(Op op, Span span, String name, Value... in) {
    for (Value v : in) {
      if (v == null) {
        return new SemValue.Poison();
      }
    }
    return applyWith(op, List.of(in), span, name, Map.of());
  }

  SemValue apply(Op op, List<Value> in, Span span, String name) {
    return apply(op, span, name, in.toArray(Value[]::new));
  }

  private SemValue applyWith(
      Op op, List<Value> in, Span span, String name, Map<String, Value> weights) {
    try {
      return new SemValue.Tensor(g.node(op, in, span, name).getFirst(), weights);
    } catch (ShapeException e) {
      return Elaborator.shapeError(diags, e, span);
    }
  }

  SemValue call(String op, Map<String, Bound> a, Expr.Call c, String binding) {
    Span span = c.span();
    String label = binding != null ? binding : op;
    return switch (op) {
      case "embedding" -> embedding(a, span, binding);
      case "positions" -> positions(a);
      case "add_positions" -> addPositions(a, span, binding);
      case "sinusoidal" -> {
        Dim len = dimArg(a.get("length"));
        Dim width = size(a.get("dim"), "sinusoidal width");
        yield len == null || width == null
            ? new SemValue.Poison()
            : apply(new Op.Sinusoidal(len, ((Dim.Fixed) width).size()), span, label);
      }
      case "linear" -> linear(a, span, binding);
      case "layernorm" -> layernorm(a, span, binding);
      case "relu" -> apply(new Op.Pointwise(Op.Fn.RELU), span, label, tensor(a, "x"));
      case "gelu" -> apply(new Op.Pointwise(Op.Fn.GELU), span, label, tensor(a, "x"));
      case "gelu_tanh" -> apply(new Op.Pointwise(Op.Fn.GELU_TANH), span, label, tensor(a, "x"));
      case "tanh" -> apply(new Op.Pointwise(Op.Fn.TANH), span, label, tensor(a, "x"));
      case "softmax" -> apply(new Op.Softmax(), span, label, tensor(a, "x"));
      case "scale" -> apply(new Op.Scale(number(a, "factor", 1)), span, label, tensor(a, "x"));
      case "dropout" -> {
        double p = number(a, "p", 0);
        if (p < 0 || p >= 1) {
          Message.WRONG_ARGUMENT.report(diags, a.get("p").span(), "dropout", "p", "in [0, 1)", p);
          yield new SemValue.Poison();
        }
        Value x = tensor(a, "x");
        yield p == 0 ? new SemValue.Tensor(x, Map.of()) : apply(new Op.Dropout(p), span, label, x);
      }
      case "attention" -> attention(a, span, binding);
      case "matmul" -> {
        SemValue b = a.get("b").value();
        Value bv = b instanceof SemValue.Operand o ? o.value() : ((SemValue.Tensor) b).value();
        boolean t = b instanceof SemValue.Operand o && o.transposed();
        yield apply(new Op.MatMul(t), span, label, tensor(a, "a"), bv);
      }
      case "concat" -> {
        List<Value> parts = new ArrayList<>();
        for (SemValue v : ((SemValue.ListV) a.get("*").value()).items()) {
          parts.add(el.tensorOf(v, span, "a concat input"));
        }
        if (parts.size() < 2) {
          Message.MISSING_ARGUMENT.reportWithHint(
              diags, span, "concat needs at least two tensors", "concat", "tensors");
          yield new SemValue.Poison();
        }
        int axis = axis(a.get("axis"), parts.getFirst().shape().rank(), -1);
        yield axis < 0 ? new SemValue.Poison() : apply(new Op.Concat(axis), parts, span, label);
      }
      case "select", "slice" -> slice(op, a, span, label);
      case "cross_entropy" -> {
        int ignore = (int) integer(a, "ignore_index", -100);
        double smoothing = number(a, "label_smoothing", 0);
        if (smoothing < 0 || smoothing >= 1) {
          Message.WRONG_ARGUMENT.report(
              diags,
              a.get("label_smoothing").span(),
              "cross_entropy",
              "label_smoothing",
              "in [0, 1)",
              smoothing);
          yield new SemValue.Poison();
        }
        yield apply(
            new Op.CrossEntropy(ignore, smoothing),
            span,
            label,
            tensor(a, "logits"),
            tensor(a, "targets"));
      }
      case "mean" -> apply(new Op.Mean(), span, label, tensor(a, "x"));
      case "param" -> param(a, span, binding);
      default -> throw new IllegalStateException("no implementation for built-in op " + op);
    };
  }

  // -----------------------------------------------------------------------------------------------

  private SemValue embedding(Map<String, Bound> a, Span span, String binding) {
    Value ids = tensor(a, "ids");
    Bound weight = a.get("weight");
    Value table;
    if (weight != null) {
      SemValue.Operand w = operand(weight.value());
      Shape s = w.value().shape();
      if (w.transposed() || s.rank() != 2) {
        Message.TIED_WEIGHT_SHAPE.report(
            diags,
            weight.span(),
            w.text(),
            (w.transposed() ? "^T of " : "") + s,
            "embedding",
            "a 2-D table [vocab, dim]",
            "tie to an embedding table without ^T");
        return new SemValue.Poison();
      }
      for (String key : List.of("vocab", "dim")) {
        if (a.containsKey(key)) {
          Dim want = size(a.get(key), "embedding " + key);
          Dim have = s.dim(key.equals("vocab") ? 0 : 1);
          if (want != null && !want.equals(have)) {
            Message.TIED_WEIGHT_SHAPE.report(
                diags,
                weight.span(),
                w.text(),
                s,
                "embedding(" + key + " = " + want + ")",
                "that " + key,
                "drop '" + key + "' or tie to a matching table");
            return new SemValue.Poison();
          }
        }
      }
      table = w.value();
    } else {
      if (!a.containsKey("vocab") || !a.containsKey("dim")) {
        Message.MISSING_ARGUMENT.reportWithHint(
            diags,
            span,
            "give vocab and dim, or weight = another embedding's weight",
            "embedding",
            a.containsKey("vocab") ? "dim" : "vocab");
        return new SemValue.Poison();
      }
      Dim vocab = size(a.get("vocab"), "embedding vocab");
      Dim dim = size(a.get("dim"), "embedding dim");
      if (vocab == null || dim == null) {
        return new SemValue.Poison();
      }
      String local = el.localName(a.get("name"), binding, "embedding");
      table = g.param(
          el.paramName(local, "weight"),
          Shape.of(vocab, dim),
          init(a, "init", DEFAULT_INIT),
          true,
          span);
    }
    if (ids == null) {
      return new SemValue.Poison();
    }
    Node producer = g.producer(ids);
    if (producer != null
        && producer.op() instanceof Op.Iota iota
        && iota.length() instanceof Dim.Sym sym) {
      int rows = ((Dim.Fixed) table.shape().dim(0)).size();
      RuntimeDim d = el.runtimeDim(sym.name());
      if (d != null && d.max() == 0) {
        el.updateRuntimeDim(new RuntimeDim(d.name(), rows, d.span()));
      } else if (d != null && d.max() > rows) {
        Message.SHAPE_MISMATCH.reportWithHint(
            diags,
            span,
            "raise the table size or lower the bound of " + d.name(),
            "positions up to " + d.name() + " <= " + d.max() + " do not fit the " + rows
                + " rows of the position table");
        return new SemValue.Poison();
      }
    }
    return applyWith(
        new Op.Embedding(),
        List.of(ids, table),
        span,
        binding != null ? binding : "embedding",
        Map.of("weight", table));
  }

  private SemValue positions(Map<String, Bound> a) {
    Dim len = dimArg(a.get("length"));
    return len == null
        ? new SemValue.Poison()
        : apply(new Op.Iota(len), a.get("length").span(), "positions");
  }

  /** {@code x + embedding(positions(T), max, d)} or {@code x + sinusoidal(T, d)} for x of shape [.., T, d]. */
  private SemValue addPositions(Map<String, Bound> a, Span span, String binding) {
    Value x = tensor(a, "x");
    if (x == null) {
      return new SemValue.Poison();
    }
    if (x.shape().rank() < 2 || !(x.shape().last() instanceof Dim.Fixed width)) {
      Message.SHAPE_MISMATCH.report(
          diags,
          a.get("x").span(),
          "add_positions needs an input [.., time, width] with a static width, got " + x.shape());
      return new SemValue.Poison();
    }
    Dim time = x.shape().dim(-2);
    String label = binding != null ? binding : "add_positions";
    SemValue table;
    if (bool(a, "sinusoidal", false)) {
      table = apply(new Op.Sinusoidal(time, width.size()), span, "sinusoidal");
    } else {
      if (!a.containsKey("max")) {
        Message.MISSING_ARGUMENT.reportWithHint(
            diags,
            span,
            "learned positions need the table size, e.g. max = ctx",
            "add_positions",
            "max");
        return new SemValue.Poison();
      }
      SemValue ids = apply(new Op.Iota(time), span, "positions");
      if (!(ids instanceof SemValue.Tensor idsT)) {
        return ids;
      }
      Map<String, Bound> args = new LinkedHashMap<>();
      args.put("ids", new Bound(idsT, span));
      args.put("vocab", a.get("max"));
      args.put("dim", new Bound(new SemValue.Int(width.size()), span));
      if (a.containsKey("init")) {
        args.put("init", a.get("init"));
      }
      if (a.containsKey("name")) {
        args.put("name", a.get("name"));
      }
      table = embedding(args, span, binding);
    }
    if (!(table instanceof SemValue.Tensor t)) {
      return table;
    }
    SemValue sum = apply(new Op.Binary(Op.Arith.ADD), span, label, x, t.value());
    return sum instanceof SemValue.Tensor s ? new SemValue.Tensor(s.value(), t.weights()) : sum;
  }

  private SemValue linear(Map<String, Bound> a, Span span, String binding) {
    Value x = tensor(a, "x");
    if (x == null) {
      return new SemValue.Poison();
    }
    if (x.shape().rank() == 0 || !(x.shape().last() instanceof Dim.Fixed in)) {
      Message.SHAPE_MISMATCH.report(
          diags,
          a.get("x").span(),
          "linear needs an input whose last dim is static, got " + x.shape());
      return new SemValue.Poison();
    }
    boolean bias = bool(a, "bias", true);
    String local = el.localName(a.get("name"), binding, "linear");
    Bound weight = a.get("weight");
    Value w;
    boolean transposed = false;
    Dim out;
    if (weight != null) {
      SemValue.Operand op = operand(weight.value());
      Shape s = op.value().shape();
      transposed = op.transposed();
      if (s.rank() != 2) {
        Message.TIED_WEIGHT_SHAPE.report(
            diags, weight.span(), op.text(), s, "linear", "a 2-D weight", "tie to a 2-D weight");
        return new SemValue.Poison();
      }
      Dim usedIn = transposed ? s.dim(1) : s.dim(0);
      Dim usedOut = transposed ? s.dim(0) : s.dim(1);
      Dim wantOut = a.containsKey("out") ? size(a.get("out"), "linear out") : usedOut;
      if (wantOut == null) {
        return new SemValue.Poison();
      }
      if (!usedIn.equals(in) || !usedOut.equals(wantOut)) {
        Shape used = Shape.of(usedIn, usedOut);
        String fix = transposed
            ? "a tied weight used with ^T must be stored [out, in] = [" + wantOut + ", " + in + "]"
            : "a linear weight is stored [in, out] = [" + in + ", " + wantOut
                + "]; add ^T to use an [out, in] table";
        Message.TIED_WEIGHT_SHAPE.report(
            diags,
            weight.span(),
            op.text(),
            (transposed ? s + " (used as " + used + ")" : s.toString()),
            "linear from width " + in + " to " + wantOut,
            Shape.of(in, wantOut).toString(),
            fix);
        return new SemValue.Poison();
      }
      w = op.value();
      out = wantOut;
    } else {
      if (!a.containsKey("out")) {
        Message.MISSING_ARGUMENT.report(diags, span, "linear", "out");
        return new SemValue.Poison();
      }
      out = size(a.get("out"), "linear out");
      if (out == null) {
        return new SemValue.Poison();
      }
      w = g.param(
          el.paramName(local, "weight"),
          Shape.of(in, out),
          init(a, "init", DEFAULT_INIT),
          true,
          span);
    }
    List<Value> inputs = new ArrayList<>(List.of(x, w));
    Map<String, Value> weights = new LinkedHashMap<>();
    weights.put("weight", w);
    if (bias) {
      Value b = g.param(el.paramName(local, "bias"), Shape.of(out), ZEROS, false, span);
      inputs.add(b);
      weights.put("bias", b);
    }
    return applyWith(new Op.Linear(transposed, bias), inputs, span, local, weights);
  }

  private SemValue layernorm(Map<String, Bound> a, Span span, String binding) {
    Value x = tensor(a, "x");
    if (x == null) {
      return new SemValue.Poison();
    }
    if (x.shape().rank() == 0 || !(x.shape().last() instanceof Dim.Fixed d)) {
      Message.SHAPE_MISMATCH.report(
          diags,
          a.get("x").span(),
          "layernorm needs an input whose last dim is static, got " + x.shape());
      return new SemValue.Poison();
    }
    double eps = number(a, "eps", 1e-5);
    if (eps <= 0) {
      Message.WRONG_ARGUMENT.report(
          diags, a.get("eps").span(), "layernorm", "eps", "a positive number", eps);
      return new SemValue.Poison();
    }
    String local = el.localName(a.get("name"), binding, "layernorm");
    Value gain = g.param(el.paramName(local, "weight"), Shape.of(d), ONES, false, span);
    Value bias = g.param(el.paramName(local, "bias"), Shape.of(d), ZEROS, false, span);
    Map<String, Value> weights = new LinkedHashMap<>();
    weights.put("weight", gain);
    weights.put("bias", bias);
    return applyWith(new Op.LayerNorm(eps), List.of(x, gain, bias), span, local, weights);
  }

  private SemValue attention(Map<String, Bound> a, Span span, String binding) {
    Value x = tensor(a, "x");
    if (x == null) {
      return new SemValue.Poison();
    }
    if (x.shape().rank() != 3 || !(x.shape().last() instanceof Dim.Fixed width)) {
      Message.SHAPE_MISMATCH.report(
          diags,
          a.get("x").span(),
          "attention needs an input [batch, time, width] with a static width, got " + x.shape());
      return new SemValue.Poison();
    }
    Dim headsDim = size(a.get("heads"), "attention heads");
    if (headsDim == null) {
      return new SemValue.Poison();
    }
    int heads = ((Dim.Fixed) headsDim).size();
    int headDim;
    if (a.containsKey("head_dim")) {
      Dim hd = size(a.get("head_dim"), "attention head_dim");
      if (hd == null) {
        return new SemValue.Poison();
      }
      headDim = ((Dim.Fixed) hd).size();
    } else if (width.size() % heads != 0) {
      Message.HEADS_DO_NOT_DIVIDE.report(diags, a.get("heads").span(), heads, width.size());
      return new SemValue.Poison();
    } else {
      headDim = width.size() / heads;
    }
    MaskExpr mask = a.containsKey("mask")
        ? ((SemValue.Mask) a.get("mask").value()).mask()
        : new MaskExpr.Full();
    if (MaskExpr.paddingMisused(mask)) {
      Message.PADDING_MISUSE.reportWithHint(
          diags,
          a.get("mask").span(),
          "combine it with '&', e.g. causal & padding",
          "padding can only be combined with '&' (a padded key is never visible)");
      return new SemValue.Poison();
    }
    Value kvIn = null;
    if (a.containsKey("kv")) {
      kvIn = tensor(a, "kv");
      if (kvIn == null) {
        return new SemValue.Poison();
      }
      if (kvIn.shape().rank() != 3 || !(kvIn.shape().last() instanceof Dim.Fixed)) {
        Message.SHAPE_MISMATCH.report(
            diags,
            a.get("kv").span(),
            "attention kv must be [batch, time, width] with a static width, got " + kvIn.shape());
        return new SemValue.Poison();
      }
      if (!kvIn.shape().dim(0).equals(x.shape().dim(0))) {
        Message.SHAPE_MISMATCH.report(
            diags,
            a.get("kv").span(),
            "attention kv " + kvIn.shape() + " must have the batch dim of the queries "
                + x.shape());
        return new SemValue.Poison();
      }
    }
    Dim outWidth = a.containsKey("out") ? size(a.get("out"), "attention out") : width;
    if (outWidth == null) {
      return new SemValue.Poison();
    }
    boolean bias = bool(a, "bias", true);
    double dropout = number(a, "dropout", 0);
    if (dropout < 0 || dropout >= 1) {
      Message.WRONG_ARGUMENT.report(
          diags, a.get("dropout").span(), "attention", "dropout", "in [0, 1)", dropout);
      return new SemValue.Poison();
    }
    Init init = init(a, "init", DEFAULT_INIT);
    Init outInit = init(a, "out_init", init);
    String local = el.localName(a.get("name"), binding, "attention");
    int hd = heads * headDim;
    Map<String, Value> weights = new LinkedHashMap<>();
    List<Value> coreIn = new ArrayList<>();
    if (kvIn == null) {
      Value qkv = project(
          x, hd * 3, local + "." + str(a, "qkv_name", "qkv"), init, bias, span, weights, "qkv");
      if (qkv == null) {
        return new SemValue.Poison();
      }
      coreIn.add(qkv);
    } else {
      Value q = project(x, hd, local + "." + str(a, "q_name", "q"), init, bias, span, weights, "q");
      Value kv = project(
          kvIn, hd * 2, local + "." + str(a, "kv_name", "kv"), init, bias, span, weights, "kv");
      if (q == null || kv == null) {
        return new SemValue.Poison();
      }
      coreIn.add(q);
      coreIn.add(kv);
    }
    String lengths = MaskExpr.paddingInput(mask);
    if (lengths != null) {
      for (Value in : g.inputs) {
        if (in.name().equals(lengths)) {
          coreIn.add(in);
        }
      }
    }
    Op.Attention core =
        new Op.Attention(heads, headDim, 1 / Math.sqrt(headDim), mask, kvIn != null, dropout);
    SemValue ctx = apply(core, coreIn, span, local);
    if (!(ctx instanceof SemValue.Tensor t)) {
      return ctx;
    }
    Value proj = project(
        t.value(),
        ((Dim.Fixed) outWidth).size(),
        local + "." + str(a, "out_name", "proj"),
        outInit,
        bias,
        span,
        weights,
        "proj");
    return proj == null ? new SemValue.Poison() : new SemValue.Tensor(proj, weights);
  }

  /** A linear projection created on behalf of a composite op; records its weights under {@code key.*}. */
  private Value project(
      Value x,
      int out,
      String local,
      Init init,
      boolean bias,
      Span span,
      Map<String, Value> weights,
      String key) {
    Dim in = x.shape().last();
    Value w = g.param(el.paramName(local, "weight"), Shape.of(in, Dim.of(out)), init, true, span);
    weights.put(key + ".weight", w);
    List<Value> inputs = new ArrayList<>(List.of(x, w));
    if (bias) {
      Value b = g.param(el.paramName(local, "bias"), Shape.of(Dim.of(out)), ZEROS, false, span);
      weights.put(key + ".bias", b);
      inputs.add(b);
    }
    SemValue r = apply(new Op.Linear(false, bias), inputs, span, local);
    return r instanceof SemValue.Tensor t ? t.value() : null;
  }

  private SemValue slice(String op, Map<String, Bound> a, Span span, String label) {
    Value x = tensor(a, "x");
    if (x == null) {
      return new SemValue.Poison();
    }
    int axis = axis(a.get("axis"), x.shape().rank(), 0);
    if (axis < 0) {
      return new SemValue.Poison();
    }
    Dim d = x.shape().dim(axis);
    long start = integer(a, op.equals("select") ? "index" : "start", 0);
    long end = op.equals("select") ? start + 1 : integer(a, "end", 0);
    if (d instanceof Dim.Fixed f && start < 0) {
      start += f.size();
      end += f.size();
    }
    if (start < 0 && op.equals("select") && d instanceof Dim.Sym) {
      // select(x, axis, -k) on a run-time dim: the k-th position from the end, resolved at run
      // time.
      return apply(new Op.Slice(axis, (int) start, 1, true), span, label, x);
    }
    if (start < 0 || end <= start) {
      Message.WRONG_ARGUMENT.report(
          diags,
          span,
          op,
          op.equals("select") ? "index" : "start/end",
          "a non-empty range inside the axis",
          start + ".." + end);
      return new SemValue.Poison();
    }
    return apply(
        new Op.Slice(axis, (int) start, (int) (end - start), op.equals("select")), span, label, x);
  }

  private SemValue param(Map<String, Bound> a, Span span, String binding) {
    List<Dim> dims = new ArrayList<>();
    Bound shape = a.get("shape");
    for (SemValue item : ((SemValue.ListV) shape.value()).items()) {
      Dim d = el.staticDim(item, shape.span(), "param size");
      if (d == null) {
        return new SemValue.Poison();
      }
      dims.add(d);
    }
    String local = el.localName(a.get("name"), binding, "param");
    Value w = g.param(
        el.paramName(local, "").replaceAll("\\.$", ""),
        new Shape(dims),
        init(a, "init", DEFAULT_INIT),
        bool(a, "decay", true),
        span);
    return new SemValue.Tensor(w, Map.of("weight", w));
  }

  // -----------------------------------------------------------------------------------------------
  // Argument access (kinds were checked when binding)

  private Value tensor(Map<String, Bound> a, String name) {
    Bound b = a.get(name);
    return b == null ? null : el.tensorOf(b.value(), b.span(), "'" + name + "'");
  }

  private static SemValue.Operand operand(SemValue v) {
    return v instanceof SemValue.Operand o
        ? o
        : new SemValue.Operand(
            ((SemValue.Tensor) v).value(), false, ((SemValue.Tensor) v).value().name());
  }

  private static double number(Map<String, Bound> a, String name, double dflt) {
    Bound b = a.get(name);
    return b == null ? dflt : SemValue.number(b.value());
  }

  private static long integer(Map<String, Bound> a, String name, long dflt) {
    Bound b = a.get(name);
    return b == null ? dflt : ((SemValue.Int) b.value()).value();
  }

  private static String str(Map<String, Bound> a, String name, String dflt) {
    Bound b = a.get(name);
    return b == null ? dflt : ((SemValue.Str) b.value()).value();
  }

  private static boolean bool(Map<String, Bound> a, String name, boolean dflt) {
    Bound b = a.get(name);
    return b == null ? dflt : ((SemValue.Bool) b.value()).value();
  }

  private static Init init(Map<String, Bound> a, String name, Init dflt) {
    Bound b = a.get(name);
    return b == null ? dflt : ((SemValue.InitV) b.value()).init();
  }

  private Dim size(Bound b, String what) {
    return b == null ? null : el.staticDim(b.value(), b.span(), what);
  }

  private Dim dimArg(Bound b) {
    if (b.value() instanceof SemValue.RuntimeDim r) {
      return Dim.sym(r.name());
    }
    return el.staticDim(b.value(), b.span(), "length");
  }

  /** Normalises a possibly negative axis; -1 after reporting an out-of-range axis. */
  private int axis(Bound b, int rank, int dflt) {
    long axis = b == null ? dflt : ((SemValue.Int) b.value()).value();
    long norm = axis < 0 ? axis + rank : axis;
    if (norm < 0 || norm >= rank) {
      Message.WRONG_ARGUMENT.report(
          diags,
          b == null ? null : b.span(),
          "axis",
          "axis",
          "in [-" + rank + ", " + rank + ")",
          axis);
      return -1;
    }
    return (int) norm;
  }

  static boolean isInt(Value v) {
    return v.dtype() == DType.INT;
  }
}
