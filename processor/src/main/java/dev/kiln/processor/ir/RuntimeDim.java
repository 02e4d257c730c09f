package dev.kiln.processor.ir;

import dev.kiln.dsl.ast.Span;

/** A dimension bound at run time ({@code B}, {@code T}), with its declared upper bound (0 = none). */
public record RuntimeDim(String name, int max, Span span) {
  @Override
  public String toString() {
    return max > 0 ? name + "<=" + max : name;
  }
}
