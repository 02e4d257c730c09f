package dev.kiln.processor.ir;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * The readable textual form of a graph, used by {@code kiln compile --dump-ir} and golden tests. It
 * deliberately leaves out source positions, so the same model declared in a {@code .model} file and as
 * an annotated interface dumps identically.
 */
public final class IrPrinter {
  private IrPrinter() {}

  public static String print(Graph g) {
    StringBuilder sb = new StringBuilder();
    sb.append("model ").append(g.name()).append('\n');
    if (!g.config().isEmpty()) {
      sb.append("  config ")
          .append(g.config().entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(" ")))
          .append('\n');
    }
    sb.append("  dims ")
        .append(g.dims().stream().map(RuntimeDim::toString).collect(Collectors.joining(" ")))
        .append('\n');
    for (Param p : g.params()) {
      sb.append("  param ")
          .append(p.name())
          .append(" f32")
          .append(p.shape())
          .append(" init=")
          .append(p.init());
      sb.append(p.decay() ? "" : " no-decay").append('\n');
    }
    for (Value in : g.inputs()) {
      sb.append("  input ")
          .append(in.name())
          .append(' ')
          .append(in.dtype().label)
          .append(in.shape())
          .append('\n');
    }
    String layer = null;
    for (Node n : g.nodes()) {
      if (!n.layer().equals(layer)) {
        layer = n.layer();
        sb.append("  layer ").append(layer).append('\n');
      }
      sb.append("    ");
      sb.append(n.outputs().stream().map(IrPrinter::typed).collect(Collectors.joining(", ")));
      sb.append(n.op() instanceof Op.Backward ? " += " : " = ");
      sb.append(n.op().name()).append(n.op().attrs());
      sb.append('(')
          .append(n.inputs().stream().map(Value::toString).collect(Collectors.joining(", ")))
          .append(")\n");
    }
    for (Map.Entry<String, Value> e : g.outputs().entrySet()) {
      sb.append("  output ")
          .append(e.getKey())
          .append(" = ")
          .append(e.getValue())
          .append('\n');
    }
    if (g.loss() != null) {
      sb.append("  loss ").append(g.loss()).append('\n');
    }
    return sb.toString();
  }

  private static String typed(Value v) {
    return v + ":" + v.dtype().label + v.shape();
  }
}
