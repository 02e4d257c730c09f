package dev.kiln.tests.oracle;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.TransformerDecoderLayerImpl;
import org.bytedeco.pytorch.TransformerDecoderLayerOptions;
import org.bytedeco.pytorch.TransformerEncoderLayerImpl;
import org.bytedeco.pytorch.TransformerEncoderLayerOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.kReLU;

/**
 * torch::nn's own TransformerEncoderLayer and TransformerDecoderLayer (post-LN, ReLU, LayerNorm eps
 * 1e-5, sequence-first [T, B, d]) in float64 eval mode, loaded with Kiln's parameters by name.
 */
final class TorchModules {
  private TorchModules() {}

  /** Encoder layer {@code n} ("encoder.layers.0."): self_attn, linear1/2, norm1/2. */
  static TransformerEncoderLayerImpl encoderLayer(
      TorchParams p, String n, long d, long heads, long ff) {
    TransformerEncoderLayerOptions o = new TransformerEncoderLayerOptions(d, heads);
    o.dim_feedforward().put(ff);
    o.dropout().put(0.0);
    o.activation().put(new kReLU());
    TransformerEncoderLayerImpl layer = new TransformerEncoderLayerImpl(o);
    Map<String, Tensor> values = new LinkedHashMap<>();
    selfAttention(p, n, values);
    feedForwardAndNorms(p, n, 2, values);
    load(p, layer, values);
    return layer;
  }

  /** Decoder layer {@code n}: self_attn, multihead_attn (cross), linear1/2, norm1/2/3. */
  static TransformerDecoderLayerImpl decoderLayer(
      TorchParams p, String n, long d, long heads, long ff) {
    TransformerDecoderLayerOptions o = new TransformerDecoderLayerOptions(d, heads);
    o.dim_feedforward().put(ff);
    o.dropout().put(0.0);
    o.activation().put(new kReLU());
    TransformerDecoderLayerImpl layer = new TransformerDecoderLayerImpl(o);
    Map<String, Tensor> values = new LinkedHashMap<>();
    selfAttention(p, n, values);
    // PyTorch packs the cross-attention's projections as rows [q; k; v] of one [3d, d] weight;
    // Kiln keeps q_proj [d, d] and kv_proj [d, 2d] = [k | v] apart, both [in, out].
    String c = n + "multihead_attn.";
    values.put(
        "multihead_attn.in_proj_weight",
        rows(p.get(c + "q_proj.weight").t(), p.get(c + "kv_proj.weight").t()));
    values.put(
        "multihead_attn.in_proj_bias", rows(p.get(c + "q_proj.bias"), p.get(c + "kv_proj.bias")));
    values.put("multihead_attn.out_proj.weight", p.get(c + "out_proj.weight").t());
    values.put("multihead_attn.out_proj.bias", p.get(c + "out_proj.bias"));
    feedForwardAndNorms(p, n, 3, values);
    load(p, layer, values);
    return layer;
  }

  /** self_attn: PyTorch's in_proj_weight [3d, d] (rows q; k; v) is Kiln's packed [d, 3d] transposed. */
  private static void selfAttention(TorchParams p, String n, Map<String, Tensor> values) {
    String a = n + "self_attn.";
    values.put("self_attn.in_proj_weight", p.get(a + "in_proj.weight").t());
    values.put("self_attn.in_proj_bias", p.get(a + "in_proj.bias"));
    values.put("self_attn.out_proj.weight", p.get(a + "out_proj.weight").t());
    values.put("self_attn.out_proj.bias", p.get(a + "out_proj.bias"));
  }

  /** linear1/2 (nn.Linear is [out, in]: Kiln's weights transposed) and norm1..normN. */
  private static void feedForwardAndNorms(
      TorchParams p, String n, int norms, Map<String, Tensor> values) {
    for (String linear : new String[] {"linear1", "linear2"}) {
      values.put(linear + ".weight", p.get(n + linear + ".weight").t());
      values.put(linear + ".bias", p.get(n + linear + ".bias"));
    }
    for (int i = 1; i <= norms; i++) {
      values.put("norm" + i + ".weight", p.get(n + "norm" + i + ".weight"));
      values.put("norm" + i + ".bias", p.get(n + "norm" + i + ".bias"));
    }
  }

  private static Tensor rows(Tensor a, Tensor b) {
    return torch.cat(new TensorVector(a, b), 0);
  }

  /**
   * Float64, eval mode, then every parameter of {@code module} loaded from {@code values}; a module
   * parameter without a value (it would keep its random init) or a value without a slot throws.
   */
  private static void load(TorchParams p, Module module, Map<String, Tensor> values) {
    module.to(torch.ScalarType.Double, false);
    module.eval();
    Map<String, Tensor> left = new LinkedHashMap<>(values);
    StringTensorDict slots = module.named_parameters(true);
    for (long i = 0; i < slots.size(); i++) {
      StringTensorDictItem item = slots.get(i);
      String name = item.key().getString();
      Tensor source = left.remove(name);
      if (source == null) {
        throw new IllegalStateException("no Kiln value for module parameter " + name);
      }
      // A handle of its own: the dictionary's entries die with the dictionary.
      p.load(name, new Tensor(item.value()), source);
    }
    if (!left.isEmpty()) {
      throw new IllegalStateException("the module has no parameters " + left.keySet());
    }
  }
}
