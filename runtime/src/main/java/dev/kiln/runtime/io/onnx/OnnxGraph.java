package dev.kiln.runtime.io.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An ONNX {@code GraphProto}: its nodes in file order, its initializers, and the names of its inputs and outputs. */
public final class OnnxGraph {
  private final String source;
  private final String name;
  private final List<OnnxNode> nodes;
  private final Map<String, OnnxTensorProto> initializers;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

  OnnxGraph(
      String source,
      String name,
      List<OnnxNode> nodes,
      Map<String, OnnxTensorProto> initializers,
      List<String> inputs,
      List<String> outputs) {
    this.source = source;
    this.name = name;
    this.nodes = List.copyOf(nodes);
    this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    for (OnnxNode n : this.nodes) {
      // distinct(): a node that reads a value twice (x * x) is one consumer of it.
      n.inputs().stream()
          .distinct()
          .forEach(in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n));
    }
  }

  /** The graph's name ({@code torch_jit} for PyTorch exports). */
  public String name() {
    return name;
  }

  /** The nodes in file order, which ONNX requires to be topological. */
  public List<OnnxNode> nodes() {
    return nodes;
  }

  /** Initializers by name, in file order. */
  public Map<String, OnnxTensorProto> initializers() {
    return initializers;
  }

  /** The initializer named {@code tensorName}, if there is one. */
  public Optional<OnnxTensorProto> initializer(String tensorName) {
    return Optional.ofNullable(initializers.get(tensorName));
  }

  /**
   * The graph's declared inputs. Files from before IR version 4 list initializers here too; {@link
   * #dataInputs()} leaves them out.
   */
  public List<String> inputs() {
    return inputs;
  }

  /** The inputs a caller must feed: {@link #inputs()} less the initializers. */
  public List<String> dataInputs() {
    return inputs.stream().filter(in -> !initializers.containsKey(in)).toList();
  }

  /** The names of the graph's outputs. */
  public List<String> outputs() {
    return outputs;
  }

  /** The nodes that read value {@code valueName}, in graph order. */
  public List<OnnxNode> consumers(String valueName) {
    return Collections.unmodifiableList(consumers.getOrDefault(valueName, List.of()));
  }

  /** Every MatMul or Gemm that multiplies activations by a weight initializer, in graph order; see {@link LinearLayer}. */
  public List<LinearLayer> linearLayers() {
    return LinearLayers.find(this);
  }

  /**
   * For each linear MatMul or Gemm node (by {@link OnnxNode#label()}), the name of its weight
   * initializer, e.g. {@code /encoder/layer.0/attention/self/query/MatMul -> onnx::MatMul_787}.
   * PyTorch exports these weights under such anonymous names; the node name carries the module path.
   */
  public Map<String, String> matmulWeightsByConsumer() {
    Map<String, String> byNode = new LinkedHashMap<>();
    for (LinearLayer layer : linearLayers()) {
      if (byNode.putIfAbsent(layer.node().label(), layer.weight()) != null) {
        throw new OnnxException(
            source, "graph has two linear nodes named '" + layer.node().label() + "'");
      }
    }
    return Collections.unmodifiableMap(byNode);
  }

  String source() {
    return source;
  }
}
