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

/**
 * The stdlib's gpt2.model (all layers causal) and gpt3.model (even layers causal, odd layers causal
 * and banded) in PyTorch: pre-LN blocks, GELU tanh, final LayerNorm, output tied to {@code wte}.
 */
final class Gpt2Torch implements TorchArchitecture {
  private final boolean alternatingBand;

  private Gpt2Torch(boolean alternatingBand) {
    this.alternatingBand = alternatingBand;
  }

  /** GPT-2: dense causal attention in every layer. */
  static Gpt2Torch gpt2() {
    return new Gpt2Torch(false);
  }

  /** GPT-3-style: layer i causal for even i, causal and {@code band(band)} for odd i. */
  static Gpt2Torch gpt3() {
    return new Gpt2Torch(true);
  }

  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    double eps = TorchArchitecture.config(spec, "eps").doubleValue();
    Tensor tokens = inputs.get("tokens");
    long t = tokens.size(1);
    Tensor wte = p.get("wte.weight");
    // Embedding, attention and residual dropout are identities in eval mode.
    Tensor x = embedding(wte, tokens).add(p.get("wpe.weight").narrow(0, 0, t));
    for (int i = 0; i < layers; i++) {
      String n = "h." + i + ".";
      Tensor allowed = TorchMasks.causal(t);
      if (alternatingBand && i % 2 == 1) {
        int band = TorchArchitecture.config(spec, "band").intValue();
        allowed = allowed.logical_and(TorchMasks.band(t, band));
      }
      // With head_dim stated (GPT-3), c_attn is [d, 3·H·dh] and c_proj [H·dh, d]; dh follows from
      // it.
      Tensor h = layerNorm(p, n + "ln_1", x, eps);
      x = x.add(selfAttention(p, n + "attn", "c_attn", "c_proj", h, heads, allowed));
      Tensor m = gelu(linear(p, n + "mlp.c_fc", layerNorm(p, n + "ln_2", x, eps)), true);
      x = x.add(linear(p, n + "mlp.c_proj", m));
    }
    // Tied output: weight = tok.weight^T, so logits = x · wteᵀ, no bias.
    Tensor logits = layerNorm(p, "ln_f", x, eps).matmul(wte.t());
    return new Outputs(logits, crossEntropy(logits, inputs.get("targets"), TorchOps.NO_IGNORE, 0));
  }
}
