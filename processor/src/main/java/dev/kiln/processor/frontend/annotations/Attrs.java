package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.type.TypeMirror;

/**
 * The attributes of one annotation on one element, read as AST: string attributes are parsed as
 * expressions whose spans point at the value. An optional attribute left at its default reads as
 * null, so the call built from it omits the argument, exactly as a {@code .model} file would.
 * {@link #failed} tells whether any attribute was reported.
 */
final class Attrs {
  private final Element element;
  private final AnnotationMirror mirror;
  private final String annotation;
  private final String owner;
  private final Map<? extends ExecutableElement, ? extends AnnotationValue> withDefaults;
  private final Where where;
  private final Context ctx;
  private final Diagnostics diags;
  private boolean failed;

  Attrs(Context ctx, Element element, AnnotationMirror mirror, String owner, Where where) {
    this.element = element;
    this.mirror = mirror;
    this.annotation = "@" + mirror.getAnnotationType().asElement().getSimpleName();
    this.owner = owner;
    this.withDefaults = ctx.elements.getElementValuesWithDefaults(mirror);
    this.where = where;
    this.ctx = ctx;
    this.diags = ctx.diags;
  }

  boolean failed() {
    return failed;
  }

  /** The annotation. */
  Span span() {
    return where.at(element, mirror);
  }

  /** The attribute's value when written, else the annotation. */
  Span span(String attribute) {
    return where.at(element, mirror, Mirrors.explicit(mirror, attribute));
  }

  boolean isExplicit(String attribute) {
    return Mirrors.explicit(mirror, attribute) != null;
  }

  /** The raw value, the default when not written; null when javac could not evaluate it (javac reports that). */
  Object value(String attribute) {
    AnnotationValue v = Mirrors.find(withDefaults, attribute);
    Object o = v == null ? null : v.getValue();
    if (o == null || (o instanceof String s && s.equals("<error>"))) {
      ctx.javacReports(); // a required attribute left out, or a value javac could not evaluate
      failed = true;
      return null;
    }
    return o;
  }

  String string(String attribute) {
    return value(attribute) instanceof String s ? s : "";
  }

  /** A boolean attribute as a literal when written explicitly, else null (the op's default applies). */
  Expr.BoolLit flag(String attribute) {
    if (!isExplicit(attribute) || !(value(attribute) instanceof Boolean b)) {
      return null;
    }
    return new Expr.BoolLit(b, span(attribute));
  }

  TypeMirror type(String attribute) {
    return value(attribute) instanceof TypeMirror t ? t : null;
  }

  /** A required expression attribute, or null after reporting. */
  Expr required(String attribute) {
    String s = string(attribute);
    if (s.isBlank()) {
      if (!failed) {
        Message.OP_ANNOTATION.report(
            diags, span(attribute), annotation + "(" + attribute + ") on '" + owner + "' is empty");
      }
      failed = true;
      return null;
    }
    return parse(s, attribute);
  }

  /** An optional expression attribute: null when left at its default or empty where that is the default. */
  Expr optional(String attribute) {
    if (!isExplicit(attribute)) {
      return null;
    }
    String s = string(attribute);
    if (s.isBlank()) {
      if (!defaultString(attribute).isBlank()) {
        Message.OP_ANNOTATION.reportWithHint(
            diags,
            span(attribute),
            "leave it out for the default, \"" + defaultString(attribute) + "\"",
            annotation + "(" + attribute + ") on '" + owner + "' is empty");
        failed = true;
      }
      return null;
    }
    return parse(s, attribute);
  }

  /** An attribute that names a method or input ({@code tiedTo = "tok"}): the name, or null when empty. */
  Expr.Name name(String attribute) {
    Expr e = optional(attribute);
    if (e == null || e instanceof Expr.Name) {
      return (Expr.Name) e;
    }
    Message.OP_ANNOTATION.report(
        diags,
        span(attribute),
        annotation + "(" + attribute + ") on '" + owner + "' must name a method or input, got \""
            + string(attribute) + "\"");
    failed = true;
    return null;
  }

  private String defaultString(String attribute) {
    for (ExecutableElement e : withDefaults.keySet()) {
      if (e.getSimpleName().contentEquals(attribute)
          && e.getDefaultValue() != null
          && e.getDefaultValue().getValue() instanceof String s) {
        return s;
      }
    }
    return "";
  }

  private Expr parse(String s, String attribute) {
    Expr e = ctx.text.expr(s, span(attribute));
    failed |= e == null;
    return e;
  }
}
