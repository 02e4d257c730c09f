package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Ids;
import dev.kiln.dsl.annotation.Tensor;
import dev.kiln.dsl.ast.Stmt;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/** The two value types of an annotated model: float tensors and integer id tensors. */
enum ValueKind {
  TENSOR("Tensor", Stmt.ElemType.FLOAT),
  IDS("Ids", Stmt.ElemType.INT);

  final String javaName;
  final Stmt.ElemType elemType;

  ValueKind(String javaName, Stmt.ElemType elemType) {
    this.javaName = javaName;
    this.elemType = elemType;
  }

  /** The kind a Java type stands for, or null when it is neither {@link Tensor} nor {@link Ids}. */
  static ValueKind of(TypeMirror type) {
    if (type.getKind() != TypeKind.DECLARED) {
      return null;
    }
    String name =
        ((TypeElement) ((DeclaredType) type).asElement()).getQualifiedName().toString();
    if (name.equals(Tensor.class.getCanonicalName())) {
      return TENSOR;
    }
    if (name.equals(Ids.class.getCanonicalName())) {
      return IDS;
    }
    return null;
  }
}
