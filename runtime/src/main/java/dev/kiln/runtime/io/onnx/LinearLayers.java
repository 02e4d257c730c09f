package dev.kiln.runtime.io.onnx;

import java.util.ArrayList;
import java.util.List;

/** Finds the {@link LinearLayer}s of a graph by the patterns PyTorch's exporter writes. */
final class LinearLayers {
  private LinearLayers() {}

  static List<LinearLayer> find(OnnxGraph g) {
    List<LinearLayer> layers = new ArrayList<>();
    for (OnnxNode n : g.nodes()) {
      if (!(n.domain().isEmpty() || n.domain().equals("ai.onnx")) || n.outputs().isEmpty()) {
        continue;
      }
      LinearLayer layer =
          switch (n.opType()) {
            case "MatMul" -> matMul(g, n);
            case "Gemm" -> gemm(g, n);
            default -> null;
          };
      if (layer != null) {
        layers.add(layer);
      }
    }
    return layers;
  }

  /** {@code x·W} with W an [in, out] initializer; W·x (weight first) is not a linear layer's shape. */
  private static LinearLayer matMul(OnnxGraph g, OnnxNode n) {
    if (n.inputs().size() != 2 || g.initializers().containsKey(n.inputs().get(0))) {
      return null;
    }
    long[] w = weightDims(g, n.inputs().get(1));
    if (w == null) {
      return null;
    }
    int in = (int) w[0];
    int out = (int) w[1];
    String result = n.outputs().getFirst();
    // The exporter adds the bias in a separate Add that is the MatMul's only consumer.
    List<OnnxNode> next = g.consumers(result);
    if (next.size() == 1) {
      OnnxNode add = next.getFirst();
      if (add.opType().equals("Add")
          && add.inputs().size() == 2
          && !add.outputs().isEmpty()) {
        String other = add.inputs().get(0).equals(result)
            ? add.inputs().get(1)
            : add.inputs().get(0);
        if (isBias(g, other, out)) {
          return new LinearLayer(
              n, n.inputs().get(1), false, other, add.outputs().getFirst(), in, out);
        }
      }
    }
    return new LinearLayer(n, n.inputs().get(1), false, null, result, in, out);
  }

  /** Gemm computes alpha·A'·B' + beta·C; only the plain form (A untransposed, alpha and beta 1) is linear. */
  private static LinearLayer gemm(OnnxGraph g, OnnxNode n) {
    if (n.inputs().size() < 2
        || n.intAttribute("transA", 0) != 0
        || n.floatAttribute("alpha", 1f) != 1f
        || g.initializers().containsKey(n.inputs().get(0))) {
      return null;
    }
    long[] w = weightDims(g, n.inputs().get(1));
    if (w == null) {
      return null;
    }
    boolean transposed = n.intAttribute("transB", 0) != 0;
    int in = (int) (transposed ? w[1] : w[0]);
    int out = (int) (transposed ? w[0] : w[1]);
    String bias = null;
    if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty()) {
      if (n.floatAttribute("beta", 1f) != 1f) {
        return null;
      }
      bias = isBias(g, n.inputs().get(2), out) ? n.inputs().get(2) : null;
    }
    return new LinearLayer(n, n.inputs().get(1), transposed, bias, n.outputs().getFirst(), in, out);
  }

  /** The dims of a floating-point 2-D initializer named {@code name} with usable sizes, else null. */
  private static long[] weightDims(OnnxGraph g, String name) {
    OnnxTensorProto t = g.initializers().get(name);
    if (t == null || !isFloat(t.dataType())) {
      return null;
    }
    long[] d = t.dims();
    return d.length == 2 && inRange(d[0]) && inRange(d[1]) ? d : null;
  }

  private static boolean isBias(OnnxGraph g, String name, int out) {
    OnnxTensorProto t = g.initializers().get(name);
    return t != null && isFloat(t.dataType()) && t.dims().length == 1 && t.dims()[0] == out;
  }

  private static boolean isFloat(OnnxDataType t) {
    return t == OnnxDataType.FLOAT
        || t == OnnxDataType.FLOAT16
        || t == OnnxDataType.BFLOAT16
        || t == OnnxDataType.DOUBLE;
  }

  private static boolean inRange(long d) {
    return d > 0 && d <= Integer.MAX_VALUE;
  }
}
