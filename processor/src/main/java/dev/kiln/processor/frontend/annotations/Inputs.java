package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Dim;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.annotations.MethodDecl.ParamDecl;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * The inputs of one interface, in order of first appearance. In a model they are the {@code @Input}
 * parameters and methods; the same input may be declared on several parameters if the declarations
 * agree. In a block they are the parameters that name none of the block's methods.
 */
final class Inputs {
  /** One input: where it was first declared, and for a model its {@code input} statement (null if bad). */
  record InputDecl(
      String name, ValueKind type, Element element, String owner, String dims, Stmt.Input stmt) {}

  private final Context ctx;
  private final Where where;
  private final Map<String, InputDecl> inputs = new LinkedHashMap<>();

  private Inputs(Context ctx, Where where) {
    this.ctx = ctx;
    this.where = where;
  }

  static Map<String, InputDecl> ofModel(Context ctx, Where where, Map<String, MethodDecl> methods) {
    Inputs in = new Inputs(ctx, where);
    for (MethodDecl m : methods.values()) {
      if (m.isInput()) {
        in.declare(m.name(), m.type(), m.element(), m.input(), m.name());
      }
      for (ParamDecl p : m.params()) {
        if (p.input() == null) {
          continue;
        }
        if (methods.containsKey(p.name())) {
          Message.WIRING.reportWithHint(
              ctx.diags,
              where.at(p.element(), p.input()),
              "rename the parameter or the method",
              "parameter '" + p.name() + "' of " + m.name() + " is an @Input, but '" + p.name()
                  + "' is also a method");
        } else {
          in.declare(p.name(), p.type(), p.element(), p.input(), m.name());
        }
      }
    }
    return in.inputs;
  }

  static Map<String, InputDecl> ofBlock(
      Context ctx, Where where, Map<String, MethodDecl> methods, String block) {
    Inputs in = new Inputs(ctx, where);
    for (MethodDecl m : methods.values()) {
      if (m.input() != null) {
        in.notInBlock(where.at(m.element(), m.input()), "method '" + m.name() + "'", block);
      }
      for (ParamDecl p : m.params()) {
        if (p.input() != null) {
          in.notInBlock(
              where.at(p.element(), p.input()),
              "parameter '" + p.name() + "' of " + m.name(),
              block);
        }
        if (!methods.containsKey(p.name()) && !in.inputs.containsKey(p.name())) {
          in.inputs.put(
              p.name(), new InputDecl(p.name(), p.type(), p.element(), m.name(), null, null));
        }
      }
    }
    return in.inputs;
  }

  private void notInBlock(Span at, String what, String block) {
    Message.WIRING.reportWithHint(
        ctx.diags,
        at,
        "declare the input on a method of the model and pass it in; a block parameter that names no method is a block input",
        "@Input on " + what + " in block " + block + ": inputs belong to the model");
  }

  private void declare(
      String name, ValueKind type, Element element, AnnotationMirror mirror, String owner) {
    AnnotationValue value = Mirrors.explicit(mirror, "value");
    String dims = value == null || !(value.getValue() instanceof String s) ? "" : s;
    Span at = where.at(element, mirror, value);
    InputDecl first = inputs.get(name);
    if (first != null) {
      boolean sameType = type == null || first.type() == null || type == first.type();
      if (!sameType || !normal(dims).equals(normal(first.dims()))) {
        Message.WIRING.reportWithHint(
            ctx.diags,
            at,
            "declare it once; a parameter named '" + name
                + "' without @Input is wired to the input",
            "input '" + name + "' is declared as " + text(type, dims) + " here but as "
                + text(first.type(), first.dims()) + " on " + first.owner());
      }
      return;
    }
    Stmt.Input stmt = null;
    if (value == null) {
      ctx.javacReports(); // @Input without its dims does not compile
    } else if (dims.isBlank()) {
      Message.OP_ANNOTATION.reportWithHint(
          ctx.diags,
          at,
          "write its dims, e.g. @Input(\"B, T\")",
          "@Input '" + name + "' has no dims");
    } else {
      List<Dim> parsed = ctx.text.dims(dims, at);
      if (parsed != null && type != null) {
        stmt = new Stmt.Input(name, type.elemType, parsed, at);
      }
    }
    inputs.put(name, new InputDecl(name, type, element, owner, dims, stmt));
  }

  private static String normal(String dims) {
    return dims.replaceAll("\\s+", "");
  }

  private static String text(ValueKind type, String dims) {
    return (type == null ? "" : type == ValueKind.IDS ? "int" : "float") + "[" + dims + "]";
  }
}
