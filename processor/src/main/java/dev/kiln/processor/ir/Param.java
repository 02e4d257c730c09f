package dev.kiln.processor.ir;

import dev.kiln.dsl.ast.Span;

/**
 * A trainable parameter: full name, static shape, initialiser, whether weight decay applies (not to
 * biases and norm gains), and where it was declared.
 */
public record Param(String name, Shape shape, Init init, boolean decay, Span span) {
  public Param {
    if (!shape.isStatic()) {
      throw new IllegalArgumentException("parameter shapes are static: " + name + " " + shape);
    }
  }

  public long size() {
    return shape.coefficient();
  }
}
