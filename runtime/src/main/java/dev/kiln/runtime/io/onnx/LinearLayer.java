package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.Tensor;
import java.util.Optional;

/**
 * A linear layer found in an ONNX graph: a MatMul or Gemm node that multiplies activations by a 2-D
 * weight initializer, with its bias added by the Gemm itself or by an Add node straight after a MatMul.
 * PyTorch's exporter stores such a weight under an anonymous name ({@code onnx::MatMul_787}) already
 * transposed to [in, out], the layout of {@code x·W}, unlike {@code nn.Linear.weight}'s [out, in].
 *
 * @param node the MatMul or Gemm
 * @param weight the weight initializer's name
 * @param transposed whether the weight is stored [out, in] (a Gemm with transB=1) rather than [in, out]
 * @param bias the bias initializer's name, or null where the graph adds none this reader recognises
 * @param output the value holding the layer's result: the bias Add's output where there is one
 * @param in input features
 * @param out output features
 */
public record LinearLayer(
    OnnxNode node, String weight, boolean transposed, String bias, String output, int in, int out) {

  /**
   * The module path PyTorch's exporter encodes in the node name, e.g. {@code
   * encoder.layer.0.attention.self.query} for {@code /encoder/layer.0/attention/self/query/MatMul};
   * empty where the name does not have that form.
   */
  public Optional<String> modulePath() {
    String name = node.name();
    int last = name.lastIndexOf('/');
    if (!name.startsWith("/") || last <= 1) {
      return Optional.empty();
    }
    return Optional.of(name.substring(1, last).replace('/', '.'));
  }

  /** The weight decoded and, where it is stored [out, in], transposed, so that it is always [in, out]. */
  public Tensor weightInOut(OnnxGraph graph) {
    OnnxTensorProto proto = graph
        .initializer(weight)
        .orElseThrow(
            () -> new OnnxException(graph.source(), "no initializer named '" + weight + "'"));
    Tensor w = proto.toTensor();
    if (!transposed) {
      return w;
    }
    return switch (w) {
      case Tensor.F32 f -> {
        float[] t = new float[f.data().length];
        for (int o = 0; o < out; o++) {
          for (int i = 0; i < in; i++) {
            t[i * out + o] = f.data()[o * in + i];
          }
        }
        yield new Tensor.F32(new int[] {in, out}, t);
      }
      case Tensor.F64 f -> {
        double[] t = new double[f.data().length];
        for (int o = 0; o < out; o++) {
          for (int i = 0; i < in; i++) {
            t[i * out + o] = f.data()[o * in + i];
          }
        }
        yield new Tensor.F64(new int[] {in, out}, t);
      }
      case Tensor.I32 i -> throw proto.error("a linear weight must be floating point");
    };
  }
}
