package dev.kiln.processor.ir;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as a graph: configuration, run-time dims, parameters, inputs, the nodes in execution order
 * (forward, then after autodiff the backward), named outputs and the loss. Immutable; passes return
 * new graphs.
 *
 * @param sourceFile the {@code .model} file (or Java source) the model came from
 * @param config evaluated configuration values, in declaration order
 * @param paramValues the PARAM value of each parameter, by parameter name
 * @param grads the gradient value of each value that has one (filled by autodiff)
 * @param loss the scalar output that {@code backward()} differentiates, or null
 */
public record Graph(
    String name,
    String sourceFile,
    Map<String, Object> config,
    List<RuntimeDim> dims,
    List<Param> params,
    Map<String, Value> paramValues,
    List<Value> inputs,
    List<Node> nodes,
    Map<String, Value> outputs,
    Value loss,
    Map<Value, Value> grads) {

  public Graph {
    config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    dims = List.copyOf(dims);
    params = List.copyOf(params);
    paramValues = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(paramValues));
    inputs = List.copyOf(inputs);
    nodes = List.copyOf(nodes);
    outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    grads = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(grads));
  }

  public Graph withNodes(List<Node> newNodes, Map<Value, Value> newGrads) {
    return new Graph(
        name,
        sourceFile,
        config,
        dims,
        params,
        paramValues,
        inputs,
        newNodes,
        outputs,
        loss,
        newGrads);
  }

  /** Nodes of the forward pass (everything before the backward seed). */
  public List<Node> forwardNodes() {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes) {
      if (n.op() instanceof Op.Seed || n.op() instanceof Op.Backward) {
        break;
      }
      out.add(n);
    }
    return out;
  }

  /** Nodes of the backward pass (the seed and every backward node), in execution order. */
  public List<Node> backwardNodes() {
    return nodes.subList(forwardNodes().size(), nodes.size());
  }

  /** Total number of trainable scalars. */
  public long parameterCount() {
    long n = 0;
    for (Param p : params) {
      n += p.size();
    }
    return n;
  }

  /** The parameter named {@code name}, or null. */
  public Param param(String name) {
    for (Param p : params) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  public RuntimeDim dim(String name) {
    for (RuntimeDim d : dims) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
