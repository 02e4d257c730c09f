package dev.kiln.tests.oracle;

import static dev.kiln.tests.oracle.TorchOps.crossEntropy;
import static dev.kiln.tests.oracle.TorchOps.embedding;
import static dev.kiln.tests.oracle.TorchOps.gelu;
import static dev.kiln.tests.oracle.TorchOps.layerNorm;
import static dev.kiln.tests.oracle.TorchOps.linear;
import static dev.kiln.tests.oracle.TorchOps.selfAttention;

import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** encoder_classifier.model in PyTorch: BERT-style post-LN encoder, padding mask, tanh pooler, classifier. */
final class EncoderClassifierTorch implements TorchArchitecture {
  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    double eps = TorchArchitecture.config(spec, "eps").doubleValue();
    Tensor ids = inputs.get("ids");
    long t = ids.size(1);
    Tensor x = embedding(p.get("embedding.weight"), ids)
        .add(embedding(p.get("token_type.weight"), inputs.get("segments")));
    x = layerNorm(p, "emb_ln", x.add(p.get("position.weight").narrow(0, 0, t)), eps);
    Tensor allowed = TorchMasks.padding(inputs.get("lengths"), t);
    for (int i = 0; i < layers; i++) {
      // Attention dropout (p = 0.1) is off in eval mode.
      x = layerNorm(p, "ln_a" + i, x.add(selfAttention(p, "attn" + i, x, heads, allowed)), eps);
      x = layerNorm(
          p, "ln_f" + i, x.add(linear(p, "down" + i, gelu(linear(p, "up" + i, x), false))), eps);
    }
    Tensor pooled = linear(p, "pooler", x.select(1, 0)).tanh();
    Tensor logits = linear(p, "classifier", pooled);
    return new Outputs(logits, crossEntropy(logits, inputs.get("labels"), TorchOps.NO_IGNORE, 0));
  }
}
