package dev.kiln.tests.oracle;

import static dev.kiln.tests.oracle.TorchOps.crossEntropy;
import static dev.kiln.tests.oracle.TorchOps.embedding;
import static dev.kiln.tests.oracle.TorchOps.gelu;
import static dev.kiln.tests.oracle.TorchOps.layerNorm;
import static dev.kiln.tests.oracle.TorchOps.linear;
import static dev.kiln.tests.oracle.TorchOps.selfAttention;

import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The stdlib's gpt1.model (Gpt1Classifier) in PyTorch: post-LN causal blocks with erf GELU, a
 * classifier on the last position, loss = task CE + lm_weight · LM CE (targets -100 ignored).
 */
final class Gpt1Torch implements TorchArchitecture {
  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    double eps = TorchArchitecture.config(spec, "eps").doubleValue();
    double lmWeight = TorchArchitecture.config(spec, "lm_weight").doubleValue();
    Tensor tokens = inputs.get("tokens");
    long t = tokens.size(1);
    Tensor wte = p.get("tokens_embed.weight");
    Tensor x = embedding(wte, tokens).add(p.get("positions_embed.weight").narrow(0, 0, t));
    Tensor causal = TorchMasks.causal(t);
    for (int i = 0; i < layers; i++) {
      String n = "h." + i + ".";
      Tensor a = selfAttention(p, n + "attn", "c_attn", "c_proj", x, heads, causal);
      x = layerNorm(p, n + "ln_1", x.add(a), eps);
      Tensor m = linear(p, n + "mlp.c_proj", gelu(linear(p, n + "mlp.c_fc", x), false));
      x = layerNorm(p, n + "ln_2", x.add(m), eps);
    }
    Tensor lmLogits = x.matmul(wte.t());
    // select(x, axis = 1, index = -1): the "extract" token is the last position of every row.
    Tensor logits = linear(p, "classifier", x.select(1, -1));
    Tensor task = crossEntropy(logits, inputs.get("labels"), TorchOps.NO_IGNORE, 0);
    // -100 is both Kiln's default ignore_index and PyTorch's.
    Tensor lm = crossEntropy(lmLogits, inputs.get("targets"), -100, 0);
    return new Outputs(logits, task.add(lm.mul(new Scalar(lmWeight))));
  }
}
