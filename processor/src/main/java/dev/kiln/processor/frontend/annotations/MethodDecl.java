package dev.kiln.processor.frontend.annotations;

import java.util.List;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;

/**
 * One abstract method of a model or block interface: a binding named like the method. {@code op} is
 * null for an input method ({@code @Input} without an op) and for a method whose annotations are wrong
 * ({@code broken}); a broken method still names a value, so its users are not reported as well.
 * {@code type} is null when the declared type is not Tensor or Ids (already reported).
 */
record MethodDecl(
    ExecutableElement element,
    String name,
    ValueKind type,
    OpKind op,
    AnnotationMirror opMirror,
    AnnotationMirror output,
    AnnotationMirror input,
    List<ParamDecl> params,
    boolean broken) {

  MethodDecl {
    params = List.copyOf(params);
  }

  /** A parameterless {@code @Input} method: it declares a model input, it computes nothing. */
  boolean isInput() {
    return input != null && op == null && !broken;
  }

  /** A method parameter: the name of the value it reads, and its {@code @Input} if any. */
  record ParamDecl(VariableElement element, String name, ValueKind type, AnnotationMirror input) {}
}
