package dev.kiln.tests.oracle;

import static dev.kiln.tests.oracle.TorchOps.crossEntropy;
import static dev.kiln.tests.oracle.TorchOps.embedding;

import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TransformerDecoderLayerImpl;
import org.bytedeco.pytorch.TransformerEncoderLayerImpl;
import org.bytedeco.pytorch.global.torch;

/**
 * The stdlib's transformer.model on torch::nn's TransformerEncoderLayer and TransformerDecoderLayer
 * (no final encoder or decoder norm, as in the .model), with the shared scaled embedding, sinusoidal
 * positions, source padding from src_lengths, tied output and label smoothing.
 */
final class TransformerTorch implements TorchArchitecture {
  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    long d = TorchArchitecture.config(spec, "d").longValue();
    long heads = TorchArchitecture.config(spec, "heads").longValue();
    long ff = TorchArchitecture.config(spec, "ff").longValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    double smoothing = TorchArchitecture.config(spec, "smoothing").doubleValue();
    // The C++ layers build their LayerNorms with the default eps, 1e-5: the .model must agree.
    if (TorchArchitecture.config(spec, "eps").doubleValue() != 1e-5) {
      throw new IllegalArgumentException("torch::nn Transformer layers use LayerNorm eps 1e-5");
    }
    Tensor shared = p.get("shared.weight");
    Tensor src = inputs.get("src");
    Tensor tgt = inputs.get("tgt");
    long s = src.size(1);
    // key_padding_mask: [B, S], true where the key is hidden (k >= src_lengths[b]).
    Tensor srcPadding =
        TorchMasks.padding(inputs.get("src_lengths"), s).logical_not().view(src.size(0), s);
    // The C++ layers are sequence-first: [S, B, d].
    Tensor e = embedded(shared, src).transpose(0, 1);
    for (int i = 0; i < layers; i++) {
      TransformerEncoderLayerImpl layer =
          TorchModules.encoderLayer(p, "encoder.layers." + i + ".", d, heads, ff);
      e = layer.forward(e, new Tensor(), srcPadding);
    }
    Tensor causal = additive(TorchMasks.causal(tgt.size(1)));
    Tensor y = embedded(shared, tgt).transpose(0, 1);
    for (int i = 0; i < layers; i++) {
      TransformerDecoderLayerImpl layer =
          TorchModules.decoderLayer(p, "decoder.layers." + i + ".", d, heads, ff);
      y = layer.forward(y, e, causal, new Tensor(), new Tensor(), srcPadding);
    }
    Tensor logits = y.transpose(0, 1).matmul(shared.t());
    // Token 0 is padding: labels 0 are ignored.
    return new Outputs(logits, crossEntropy(logits, inputs.get("labels"), 0, smoothing));
  }

  /** embedding · √d plus the sinusoidal table (dropout is off in eval mode). */
  private static Tensor embedded(Tensor table, Tensor ids) {
    int d = Math.toIntExact(table.size(1));
    return embedding(table, ids)
        .mul(new Scalar(Math.sqrt(d)))
        .add(TorchOps.sinusoidal(Math.toIntExact(ids.size(1)), d));
  }

  /** The C++ MultiheadAttention adds a float attn_mask to the scores: 0 where allowed, -inf not. */
  private static Tensor additive(Tensor allowed) {
    return torch
        .zeros(
            new long[] {allowed.size(0), allowed.size(1)},
            new TensorOptions(torch.ScalarType.Double))
        .masked_fill(allowed.logical_not(), new Scalar(Double.NEGATIVE_INFINITY));
  }
}
