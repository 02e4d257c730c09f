package dev.kiln.tests.oracle;

import static dev.kiln.tests.oracle.TorchOps.crossAttention;
import static dev.kiln.tests.oracle.TorchOps.crossEntropy;
import static dev.kiln.tests.oracle.TorchOps.embedding;
import static dev.kiln.tests.oracle.TorchOps.layerNorm;
import static dev.kiln.tests.oracle.TorchOps.linear;
import static dev.kiln.tests.oracle.TorchOps.selfAttention;

import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** seq2seq.model in PyTorch: post-LN encoder-decoder, sinusoidal positions, one shared embedding, label smoothing. */
final class Seq2SeqTorch implements TorchArchitecture {
  private static final double EPS = 1e-5;

  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    Tensor shared = p.get("shared.weight");
    Tensor e = embedded(shared, inputs.get("src"));
    for (int i = 0; i < layers; i++) {
      String n = "enc" + i + ".";
      e = layerNorm(p, n + "ln1", e.add(selfAttention(p, n + "self", e, heads, null)), EPS);
      e = layerNorm(p, n + "ln2", e.add(feedForward(p, n, e)), EPS);
    }
    Tensor tgt = inputs.get("tgt");
    Tensor y = embedded(shared, tgt);
    Tensor causal = TorchMasks.causal(tgt.size(1));
    for (int i = 0; i < layers; i++) {
      String n = "dec" + i + ".";
      y = layerNorm(p, n + "ln1", y.add(selfAttention(p, n + "self", y, heads, causal)), EPS);
      y = layerNorm(p, n + "ln2", y.add(crossAttention(p, n + "cross", y, e, heads, null)), EPS);
      y = layerNorm(p, n + "ln3", y.add(feedForward(p, n, y)), EPS);
    }
    Tensor logits = y.matmul(shared.t());
    return new Outputs(logits, crossEntropy(logits, inputs.get("labels"), 0, 0.1));
  }

  /** embedding · √d plus the sinusoidal table. */
  private static Tensor embedded(Tensor table, Tensor ids) {
    int d = Math.toIntExact(table.size(1));
    return embedding(table, ids)
        .mul(new Scalar(Math.sqrt(d)))
        .add(TorchOps.sinusoidal(Math.toIntExact(ids.size(1)), d));
  }

  private static Tensor feedForward(TorchParams p, String prefix, Tensor x) {
    return linear(p, prefix + "ff2", linear(p, prefix + "ff1", x).relu());
  }
}
