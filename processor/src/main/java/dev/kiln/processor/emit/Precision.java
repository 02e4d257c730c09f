package dev.kiln.processor.emit;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.TypeName;

/**
 * The two flavours of generated model: float32 (what trains and serves) and a float64 twin with the
 * same schedule, calling the scalar double-precision reference kernels, used by gradient checks.
 */
@SuppressWarnings("ImmutableEnumChecker") // JavaPoet names are immutable, only not annotated so
public enum Precision {
  F32("", TypeName.FLOAT, "Kernels32", "FloatModel", "F32"),
  F64("F64", TypeName.DOUBLE, "Kernels64", "DoubleModel", "F64");

  /** Suffix of the generated class name after {@code <Model>Model}. */
  public final String suffix;

  final TypeName element;
  final ClassName kernels;
  final ClassName base;
  final ClassName tensor;

  Precision(String suffix, TypeName element, String kernels, String base, String tensor) {
    this.suffix = suffix;
    this.element = element;
    this.kernels = ClassName.get("dev.kiln.runtime.cpu", kernels);
    this.base = ClassName.get("dev.kiln.runtime.model", base);
    this.tensor = ClassName.get("dev.kiln.runtime", "Tensor", tensor);
  }

  /** A Java literal of this precision's element type. */
  String cast() {
    return this == F32 ? "(float) " : "";
  }
}
