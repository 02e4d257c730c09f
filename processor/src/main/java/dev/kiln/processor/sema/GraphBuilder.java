package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Init;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Param;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.ShapeException;
import dev.kiln.processor.ir.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accumulates the values, nodes and parameters of one model as the elaborator walks it. */
final class GraphBuilder {
  private final Diagnostics diags;
  private int nextValue;
  private int nextNode;
  final List<Node> nodes = new ArrayList<>();
  final List<Param> params = new ArrayList<>();
  final Map<String, Value> paramValues = new LinkedHashMap<>();
  final List<Value> inputs = new ArrayList<>();
  final Map<String, Span> inputSpans = new LinkedHashMap<>();
  final Map<String, Value> outputs = new LinkedHashMap<>();
  final Map<String, RuntimeDim> dims = new LinkedHashMap<>();
  private final Map<Integer, Node> producers = new java.util.HashMap<>();

  /** The layer label and quoted source line given to nodes created now. */
  String layer = "model";

  String source = "";

  GraphBuilder(Diagnostics diags) {
    this.diags = diags;
  }

  Value value(String name, Shape shape, DType dtype, Role role) {
    return new Value(nextValue++, name, shape, dtype, role);
  }

  Value input(String name, Shape shape, DType dtype, Span span) {
    Value v = value(name, shape, dtype, Role.INPUT);
    inputs.add(v);
    inputSpans.put(name, span);
    return v;
  }

  /** Declares a parameter; a second parameter with the same full name is an error. */
  Value param(String name, Shape shape, Init init, boolean decay, Span span) {
    if (paramValues.containsKey(name)) {
      Message.DUPLICATE_PARAMETER_NAME.report(diags, span, name);
      return paramValues.get(name);
    }
    params.add(new Param(name, shape, init, decay, span));
    Value v = value(name, shape, DType.FLOAT, Role.PARAM);
    paramValues.put(name, v);
    return v;
  }

  /** Adds a node after checking its shape rule; returns its outputs. */
  List<Value> node(Op op, List<Value> in, Span span, String name) throws ShapeException {
    List<Shape> shapes = op.infer(in);
    List<DType> types = op.outTypes(shapes.size());
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      String n = i == 0 ? name : name + "." + statName(op, i);
      out.add(value(n, shapes.get(i), types.get(i), Role.ACTIVATION));
    }
    Node node = new Node(nextNode++, op, in, out, span, layer, source);
    nodes.add(node);
    for (Value v : out) {
      producers.put(v.id(), node);
    }
    return out;
  }

  /** The node that computed {@code v}, or null for inputs and parameters. */
  Node producer(Value v) {
    return producers.get(v.id());
  }

  private static String statName(Op op, int i) {
    return switch (op) {
      case Op.LayerNorm ln -> i == 1 ? "mean" : "rstd";
      default -> "lse";
    };
  }

  Graph build(String name, String file, Map<String, Object> config, Value loss) {
    return new Graph(
        name,
        Elaborator.fileName(file),
        config,
        List.copyOf(dims.values()),
        params,
        paramValues,
        inputs,
        nodes,
        outputs,
        loss,
        Map.of());
  }
}
