package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Block;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.annotations.Inputs.InputDecl;
import dev.kiln.processor.frontend.annotations.MethodDecl.ParamDecl;
import dev.kiln.processor.sema.Suggest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.lang.model.element.TypeElement;

/**
 * One model or block interface as a graph of methods: its shape and wiring are checked when it is
 * constructed, its statements are built on demand, ordered so every method follows what it reads.
 */
final class InterfaceGraph {
  /** The implicit last parameter of every block: the index of the layer a {@code @Repeat} is at. */
  static final String LAYER = "layer";

  private final Context ctx;
  private final TypeElement type;
  private final boolean block;
  private final Where where;
  private final Map<String, MethodDecl> methods = new LinkedHashMap<>();
  private final Map<String, InputDecl> inputs;
  private final Scope scope;

  InterfaceGraph(Context ctx, TypeElement type, boolean block) {
    this.ctx = ctx;
    this.type = type;
    this.block = block;
    this.where = Where.of(type);
    for (MethodDecl m : new MethodScanner(where, ctx).scan(type)) {
      methods.put(m.name(), m);
    }
    inputs =
        block ? Inputs.ofBlock(ctx, where, methods, name()) : Inputs.ofModel(ctx, where, methods);
    Map<String, ValueKind> inputTypes = new LinkedHashMap<>();
    inputs.forEach((k, v) -> inputTypes.put(k, v.type()));
    scope = new Scope((block ? "block " : "model ") + name(), methods, inputTypes);
    checkNames();
    checkWiring();
  }

  boolean isBlock() {
    return block;
  }

  /** Every name bound in this interface, which a generated loop variable must not shadow. */
  Set<String> boundNames() {
    Set<String> all = new TreeSet<>(methods.keySet());
    all.addAll(inputs.keySet());
    return all;
  }

  String name() {
    return type.getSimpleName().toString();
  }

  List<String> inputNames() {
    return List.copyOf(inputs.keySet());
  }

  // -----------------------------------------------------------------------------------------------
  // Checks

  private void checkNames() {
    for (MethodDecl m : methods.values()) {
      checkName(m.name(), "method", where.at(m.element()));
    }
    for (InputDecl in : inputs.values()) {
      checkName(in.name(), block ? "block input" : "input", where.at(in.element()));
    }
  }

  private void checkName(String name, String what, Span at) {
    if (ctx.config.contains(name)) {
      Message.WIRING.reportWithHint(
          ctx.diags,
          at,
          "rename it; in annotation strings '" + name + "' would mean this value",
          what + " '" + name + "' has the name of a configuration parameter");
    } else if (block && name.equals(LAYER)) {
      Message.WIRING.reportWithHint(
          ctx.diags,
          at,
          "rename it",
          "'" + LAYER + "' is the layer index of every block; a " + what + " cannot be named so");
    }
  }

  private void checkWiring() {
    for (MethodDecl m : methods.values()) {
      for (ParamDecl p : m.params()) {
        if (p.input() != null && !block) {
          continue; // it declares the input it reads
        }
        MethodDecl target = methods.get(p.name());
        InputDecl in = inputs.get(p.name());
        if (target == null && in == null) {
          String hint = Suggest.hint(p.name(), scope.names());
          Message.WIRING.reportWithHint(
              ctx.diags,
              where.at(p.element()),
              hint != null
                  ? hint
                  : "add a method named '" + p.name()
                      + "', or declare an input with @Input(\"...\")",
              "parameter '" + p.name() + "' of " + m.name() + " names no method or input");
          continue;
        }
        ValueKind have = target != null ? target.type() : in.type();
        boolean declaresIt = in != null && in.element() == p.element();
        if (p.type() != null && have != null && p.type() != have && !declaresIt) {
          String what = target != null
              ? "method '" + p.name() + "' returns "
              : "input '" + p.name() + "' is ";
          Message.WIRING.reportWithHint(
              ctx.diags,
              where.at(p.element()),
              "declare the parameter " + have.javaName,
              "parameter '" + p.name() + "' of " + m.name() + " is " + p.type().javaName + ", but "
                  + what + have.javaName);
        }
      }
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Declarations

  /** The model declaration: its inputs, then its methods in dependency order. */
  Decl.Model modelDecl(List<Param> config, Span span) {
    List<Stmt> body = new ArrayList<>();
    for (InputDecl in : inputs.values()) {
      if (in.stmt() != null) {
        body.add(in.stmt());
      }
    }
    body.addAll(statements());
    return new Decl.Model(name(), config, body, span);
  }

  /** The block declaration: {@code block Name(inputs.., layer = 0) { ... return result }}. */
  Decl.Block blockDecl() {
    Span span = where.at(type, Mirrors.find(type, Block.class.getCanonicalName()));
    List<Param> params = new ArrayList<>();
    for (InputDecl in : inputs.values()) {
      params.add(new Param(in.name(), null, where.at(in.element())));
    }
    params.add(new Param(LAYER, new Expr.IntLit(0, span), span));
    List<Stmt> body = new ArrayList<>(statements());
    MethodDecl result = result(span);
    if (result != null) {
      Span at = where.at(result.element(), result.output());
      body.add(new Stmt.Return(new Expr.Name(result.name(), at), at));
    }
    return new Decl.Block(name(), params, body, span);
  }

  /** A block's result: its {@code @Output} method, else its last method. */
  private MethodDecl result(Span span) {
    List<MethodDecl> outputs =
        methods.values().stream().filter(m -> m.output() != null).toList();
    if (outputs.size() > 1) {
      Message.OP_ANNOTATION.reportWithHint(
          ctx.diags,
          where.at(outputs.get(1).element(), outputs.get(1).output()),
          "a block has one result; keep @Output on one method",
          "block " + name() + " has several @Output methods: "
              + outputs.stream().map(MethodDecl::name).collect(Collectors.joining(", ")));
      return null;
    }
    if (outputs.size() == 1) {
      return outputs.getFirst();
    }
    if (methods.isEmpty()) {
      Message.OP_ANNOTATION.report(ctx.diags, span, "block " + name() + " declares no methods");
      return null;
    }
    return methods.values().stream().reduce((a, b) -> b).orElseThrow();
  }

  // -----------------------------------------------------------------------------------------------
  // Statements

  /** A method's statements and the names it reads, in the order they are read. */
  private record Built(List<Stmt> stmts, List<String> reads) {}

  private List<Stmt> statements() {
    Map<String, List<String>> reads = new HashMap<>();
    Map<String, List<Stmt>> stmts = new HashMap<>();
    for (MethodDecl m : methods.values()) {
      List<String> r = new ArrayList<>(m.params().stream().map(ParamDecl::name).toList());
      Built b = m.broken() ? null : build(m);
      if (b != null) {
        r.addAll(b.reads());
        stmts.put(m.name(), b.stmts());
      }
      reads.put(m.name(), r);
    }
    List<MethodDecl> order =
        GraphOrder.order(List.copyOf(methods.values()), reads, where, ctx.diags);
    List<Stmt> body = new ArrayList<>();
    for (MethodDecl m : order == null ? List.<MethodDecl>of() : order) {
      body.addAll(stmts.getOrDefault(m.name(), List.of()));
    }
    return body;
  }

  private Built build(MethodDecl m) {
    if (m.isInput()) {
      // The input statement is emitted with the other inputs; an @Output input is passed through.
      return new Built(
          m.output() != null && !block ? List.of(output(m, null)) : List.of(), List.of());
    }
    Attrs a = new Attrs(ctx, m.element(), m.opMirror(), m.name(), where);
    if (m.op() == OpKind.REPEAT) {
      List<Stmt> stmts = new RepeatCall(ctx, where, this, m, a).expand();
      return stmts == null ? null : new Built(stmts, List.of());
    }
    Expr e = OpCall.build(m, a, scope, where, ctx.diags);
    if (e == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    Names.collect(e, names);
    // A configuration name in an annotation string means the configuration value, not a method
    // that shadows it (reported by checkNames), so it is no dependency.
    names.removeIf(ctx.config::contains);
    Span at = where.at(m.element(), m.opMirror());
    Stmt s = m.output() != null && !block ? output(m, e) : new Stmt.Let(m.name(), e, at);
    return new Built(List.of(s), names);
  }

  /** {@code output name = value}, or {@code output name} for a value already bound. */
  Stmt output(MethodDecl m, Expr value) {
    return new Stmt.Output(m.name(), value, where.at(m.element(), m.output()));
  }
}
