package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Input;
import dev.kiln.dsl.annotation.Output;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.annotations.MethodDecl.ParamDecl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;

/**
 * Reads the methods of one model or block interface and reports what is wrong with their shape:
 * bodies, generics, types other than Tensor and Ids, missing or doubled op annotations, and the wrong
 * number of parameters for the op. Wiring is checked later, when every name is known.
 */
final class MethodScanner {
  private final Where where;
  private final Context ctx;
  private final Diagnostics diags;

  MethodScanner(Where where, Context ctx) {
    this.where = where;
    this.ctx = ctx;
    this.diags = ctx.diags;
  }

  List<MethodDecl> scan(TypeElement type) {
    List<MethodDecl> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Element e : type.getEnclosedElements()) {
      if (e.getKind() != ElementKind.METHOD) {
        continue; // constants and nested types (blocks) are not graph nodes
      }
      ExecutableElement m = (ExecutableElement) e;
      String name = m.getSimpleName().toString();
      if (!m.getModifiers().contains(Modifier.ABSTRACT)) {
        Message.OP_ANNOTATION.reportWithHint(
            diags,
            where.at(m),
            "declare it abstract, without a body; its annotation says what it computes",
            "method '" + name + "' " + bodyKind(m)
                + "; the methods of a model or block are ops, declared without a body");
        continue;
      }
      if (!m.getTypeParameters().isEmpty()) {
        Message.OP_ANNOTATION.reportWithHint(
            diags,
            where.at(m),
            "remove the type parameters",
            "method '" + name + "' is generic; a model method takes and returns Tensor or Ids");
        continue;
      }
      if (!seen.add(name)) {
        Message.DUPLICATE_DEFINITION.report(diags, where.at(m), "method", name);
        continue;
      }
      out.add(method(m, name));
    }
    return out;
  }

  private MethodDecl method(ExecutableElement m, String name) {
    boolean broken = false;
    ValueKind type = ValueKind.of(m.getReturnType());
    // An unresolved type (a missing import) is javac's to report; another message would be noise.
    if (type == null && !ctx.unresolved(m.getReturnType())) {
      String returned = m.getReturnType().getKind() == TypeKind.VOID
          ? "void"
          : m.getReturnType().toString();
      Message.OP_ANNOTATION.reportWithHint(
          diags,
          where.at(m),
          "return dev.kiln.dsl.annotation.Tensor (or Ids for integer ids)",
          "method '" + name + "' returns " + returned + "; a model method returns Tensor or Ids");
    }
    List<ParamDecl> params = new ArrayList<>();
    for (VariableElement p : m.getParameters()) {
      ValueKind pt = ValueKind.of(p.asType());
      if (pt == null && !ctx.unresolved(p.asType())) {
        Message.OP_ANNOTATION.reportWithHint(
            diags,
            where.at(p),
            "declare it Tensor (or Ids for integer ids)",
            "parameter '" + p.getSimpleName() + "' of " + name + " has type " + p.asType()
                + "; a model method takes Tensor or Ids");
      }
      for (AnnotationMirror a : p.getAnnotationMirrors()) {
        ctx.unresolved(
            a.getAnnotationType()); // a missing @Input import: javac reports it, the model is
        // skipped
      }
      params.add(new ParamDecl(
          p, p.getSimpleName().toString(), pt, Mirrors.find(p, Input.class.getCanonicalName())));
    }
    List<AnnotationMirror> ops = new ArrayList<>();
    OpKind op = null;
    for (AnnotationMirror a : m.getAnnotationMirrors()) {
      if (ctx.unresolved(a.getAnnotationType())) {
        return new MethodDecl(m, name, type, null, null, null, null, params, true);
      }
      OpKind k = OpKind.of(Mirrors.qualifiedName(a));
      if (k != null) {
        ops.add(a);
        op = op == null ? k : op;
      }
    }
    AnnotationMirror output = Mirrors.find(m, Output.class.getCanonicalName());
    AnnotationMirror input = Mirrors.find(m, Input.class.getCanonicalName());
    if (ops.size() > 1) {
      String names = ops.stream()
          .map(a -> "@" + a.getAnnotationType().asElement().getSimpleName())
          .collect(Collectors.joining(", "));
      Message.OP_ANNOTATION.reportWithHint(
          diags,
          where.at(m, ops.get(1)),
          "a method is one op; split it into one method per op",
          "method '" + name + "' has " + (ops.size() == 2 ? "two" : Integer.toString(ops.size()))
              + " op annotations: " + names);
      return new MethodDecl(m, name, type, null, null, output, input, params, true);
    }
    if (input != null) {
      if (op != null) {
        Message.OP_ANNOTATION.reportWithHint(
            diags,
            where.at(m, input),
            "put @Input on a parameter, or on a method without an op",
            "method '" + name + "' has both @Input and @" + op.simpleName
                + "; an @Input method declares an input and computes nothing");
        return new MethodDecl(m, name, type, null, null, output, input, params, true);
      }
      if (!params.isEmpty()) {
        Message.OP_ANNOTATION.report(
            diags, where.at(m, input), "@Input method '" + name + "' must have no parameters");
        broken = true;
      }
      return new MethodDecl(
          m, name, type, null, null, output, input, params, broken || type == null);
    }
    if (op == null) {
      Message.OP_ANNOTATION.reportWithHint(
          diags,
          where.at(m),
          "annotate it with the op it computes, e.g. @Linear(out = \"d\"), @Attention(heads = \"4\"), @Add, or @Repeat",
          "method '" + name + "' has no op annotation");
      return new MethodDecl(m, name, type, null, null, output, null, params, true);
    }
    AnnotationMirror opMirror = ops.getFirst();
    if (params.size() < op.minParams || params.size() > op.maxParams) {
      Message.OP_ANNOTATION.report(
          diags,
          where.at(m, opMirror),
          "@" + op.simpleName + " takes " + op.arity() + ", but method '" + name + "' has "
              + params.size());
      broken = true;
    }
    return new MethodDecl(
        m, name, type, op, opMirror, output, null, params, broken || type == null);
  }

  private static String bodyKind(ExecutableElement m) {
    if (m.getModifiers().contains(Modifier.STATIC)) {
      return "is static";
    }
    return m.getModifiers().contains(Modifier.PRIVATE) ? "is private" : "has a default body";
  }
}
