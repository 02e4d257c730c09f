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

/** tiny_gpt.model in PyTorch: pre-LN GPT blocks, dense then banded causal attention, tied output. */
final class TinyGptTorch implements TorchArchitecture {
  private static final double EPS = 1e-5;

  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    int band = TorchArchitecture.config(spec, "band").intValue();
    Tensor tokens = inputs.get("tokens");
    long t = tokens.size(1);
    Tensor wte = p.get("wte.weight");
    // Dropout layers are identities in eval mode, so they do not appear here.
    Tensor x = embedding(wte, tokens).add(p.get("wpe.weight").narrow(0, 0, t));
    for (int i = 0; i < layers; i++) {
      String n = "h." + i + ".";
      Tensor allowed = i % 2 == 0
          ? TorchMasks.causal(t)
          : TorchMasks.causal(t).logical_and(TorchMasks.band(t, band));
      x = x.add(selfAttention(p, n + "attn", layerNorm(p, n + "ln_1", x, EPS), heads, allowed));
      Tensor h = gelu(linear(p, n + "fc", layerNorm(p, n + "ln_2", x, EPS)), true);
      x = x.add(linear(p, n + "proj", h));
    }
    // Tied output: weight = tok.weight^T, so logits = x · wteᵀ, no bias.
    Tensor logits = layerNorm(p, "ln_f", x, EPS).matmul(wte.t());
    return new Outputs(logits, crossEntropy(logits, inputs.get("targets"), TorchOps.NO_IGNORE, 0));
  }
}
