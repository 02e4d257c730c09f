package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a BERT encoder exported from PyTorch to ONNX, such as sentence-transformers'
 * all-MiniLM-L6-v2, under HuggingFace BERT parameter names ({@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}...).
 *
 * <p>Every linear weight ({@code ...query/key/value.weight}, {@code ...dense.weight}) is returned in
 * [in, out] layout, the layout of ONNX's MatMul ({@code y = x·W + b}): the transpose of PyTorch
 * {@code nn.Linear.weight}, which is [out, in]. The exporter keeps HF names for embeddings, LayerNorm
 * parameters and biases but stores linear weights as anonymous {@code onnx::MatMul_N} initializers,
 * so those are found through the consuming node's name ({@code /encoder/layer.0/attention/self/query/MatMul}).
 */
public final class MiniLm {
  private MiniLm() {}

  /** Reads {@code file} and returns {@link #parameters(OnnxModel)}. */
  public static Map<String, Tensor> parameters(Path file) {
    return parameters(OnnxModel.read(file));
  }

  /**
   * Every BERT parameter by HF name, in {@link #parameterNames} order, each checked for the shape BERT
   * gives it; the pooler is included where the graph has one. The {@code embeddings.position_ids}
   * buffer is not a parameter and is left out.
   */
  public static Map<String, Tensor> parameters(OnnxModel model) {
    OnnxGraph g = model.graph();
    Map<String, LinearLayer> linear = new HashMap<>();
    for (LinearLayer layer : g.linearLayers()) {
      layer.modulePath().ifPresent(path -> linear.putIfAbsent(path, layer));
    }
    int layers = 0;
    while (linear.containsKey("encoder.layer." + layers + ".attention.self.query")) {
      layers++;
    }
    if (layers == 0) {
      throw new OnnxException(
          model.source(),
          "no BERT encoder layer found (no MatMul node named"
              + " /encoder/layer.0/attention/self/query/MatMul with a weight initializer)");
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : parameterNames(layers, linear.containsKey("pooler.dense"))) {
      out.put(name, tensor(model, linear, name));
    }
    checkShapes(model, out, layers);
    return Collections.unmodifiableMap(out);
  }

  /** HF BERT parameter names, in {@code state_dict} order, for {@code layers} encoder layers. */
  public static List<String> parameterNames(int layers, boolean pooler) {
    List<String> names = new ArrayList<>();
    for (String e : List.of("word_embeddings", "position_embeddings", "token_type_embeddings")) {
      names.add("embeddings." + e + ".weight");
    }
    addPair(names, "embeddings.LayerNorm");
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      for (String m : List.of(
          "attention.self.query",
          "attention.self.key",
          "attention.self.value",
          "attention.output.dense",
          "attention.output.LayerNorm",
          "intermediate.dense",
          "output.dense",
          "output.LayerNorm")) {
        addPair(names, p + m);
      }
    }
    if (pooler) {
      addPair(names, "pooler.dense");
    }
    return names;
  }

  private static void addPair(List<String> names, String module) {
    names.add(module + ".weight");
    names.add(module + ".bias");
  }

  /**
   * A linear module's weight comes from its layer, which knows the stored layout, even where the
   * initializer has the HF name; anything else is the initializer of that name, or the layer's bias.
   */
  private static Tensor tensor(OnnxModel model, Map<String, LinearLayer> linear, String name) {
    OnnxGraph g = model.graph();
    LinearLayer layer = linear.get(name.substring(0, name.lastIndexOf('.')));
    if (layer != null && name.endsWith(".weight")) {
      return layer.weightInOut(g);
    }
    if (g.initializers().containsKey(name)) {
      return model.tensor(name);
    }
    if (layer != null && layer.bias() != null) {
      return model.tensor(layer.bias());
    }
    throw new OnnxException(
        model.source(), "no initializer or linear layer gives BERT parameter '" + name + "'");
  }

  private static void checkShapes(OnnxModel model, Map<String, Tensor> p, int layers) {
    int h = dim(model, p, "embeddings.word_embeddings.weight", 1);
    int ffn = dim(model, p, "encoder.layer.0.intermediate.dense.weight", 1);
    for (Map.Entry<String, Tensor> e : p.entrySet()) {
      String n = e.getKey();
      int[] want;
      if (n.startsWith("embeddings.") && !n.contains("LayerNorm")) {
        want = new int[] {e.getValue().shape().length == 2 ? e.getValue().shape()[0] : -1, h};
      } else if (n.endsWith("intermediate.dense.weight")) {
        want = new int[] {h, ffn};
      } else if (n.endsWith("intermediate.dense.bias")) {
        want = new int[] {ffn};
      } else if (n.endsWith("output.dense.weight") && !n.contains("attention")) {
        want = new int[] {ffn, h};
      } else if (n.endsWith(".weight") && !n.contains("LayerNorm")) {
        want = new int[] {h, h};
      } else {
        want = new int[] {h};
      }
      if (!Arrays.equals(e.getValue().shape(), want)) {
        throw new OnnxException(
            model.source(),
            "BERT parameter '" + n + "' has shape "
                + Tensor.shapeString(e.getValue().shape()) + ", expected "
                + Tensor.shapeString(want)
                + " (hidden " + h + ", " + layers + " layers)");
      }
    }
  }

  private static int dim(OnnxModel model, Map<String, Tensor> p, String name, int axis) {
    int[] shape = p.get(name).shape();
    if (shape.length != 2) {
      throw new OnnxException(
          model.source(),
          "BERT parameter '" + name + "' has shape " + Tensor.shapeString(shape)
              + ", expected 2 dimensions");
    }
    return shape[axis];
  }
}
