package dev.kiln.runtime.io.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One ONNX graph node: an operator applied to named values. An empty input name marks an optional
 * input left out, as in ONNX itself.
 *
 * @param attributes by name, in file order
 */
public record OnnxNode(
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    Map<String, OnnxAttribute> attributes) {
  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  /** The attribute named {@code attributeName}, if the node has it. */
  public Optional<OnnxAttribute> attribute(String attributeName) {
    return Optional.ofNullable(attributes.get(attributeName));
  }

  /** An INT attribute's value, or {@code absent} where the node does not have it (ONNX's default). */
  public long intAttribute(String attributeName, long absent) {
    OnnxAttribute a = attributes.get(attributeName);
    return a == null ? absent : a.i();
  }

  /** A FLOAT attribute's value, or {@code absent} where the node does not have it (ONNX's default). */
  public float floatAttribute(String attributeName, float absent) {
    OnnxAttribute a = attributes.get(attributeName);
    return a == null ? absent : a.f();
  }

  /** The node's name, or its first output where it has none, to name it in messages and maps. */
  public String label() {
    return !name.isEmpty() || outputs.isEmpty() ? name : outputs.getFirst();
  }
}
