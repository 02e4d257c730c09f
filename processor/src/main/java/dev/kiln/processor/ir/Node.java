package dev.kiln.processor.ir;

import dev.kiln.dsl.ast.Span;
import java.util.List;

/**
 * One operation applied to values, producing values. {@code layer} groups nodes into the generated
 * per-layer methods; {@code source} is the declaration text the generated comment quotes.
 */
public record Node(
    int id,
    Op op,
    List<Value> inputs,
    List<Value> outputs,
    Span span,
    String layer,
    String source) {
  public Node {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  public Value out() {
    return outputs.getFirst();
  }
}
