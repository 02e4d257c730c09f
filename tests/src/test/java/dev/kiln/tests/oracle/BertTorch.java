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
 * The stdlib's bert.model in PyTorch: the post-LN encoder with a padding mask (HuggingFace's
 * BertModel) under one of its heads, on Kiln's HuggingFace-style parameter names.
 */
final class BertTorch implements TorchArchitecture {
  /** Which model of bert.model: the bare encoder or one of the task heads. */
  enum Head {
    ENCODER,
    PRE_TRAINING,
    SEQUENCE_CLASSIFICATION,
    QUESTION_ANSWERING
  }

  private final Head head;

  BertTorch(Head head) {
    this.head = head;
  }

  @Override
  public Outputs forward(TorchParams p, Map<String, Tensor> inputs, ModelSpec spec) {
    double eps = TorchArchitecture.config(spec, "eps").doubleValue();
    // Task models prefix the encoder's names with "bert."; BertModel (prefix = "") does not.
    String bert = head == Head.ENCODER ? "" : "bert.";
    Tensor x = encoder(p, bert, inputs, spec, eps);
    return switch (head) {
      case ENCODER ->
        new Outputs(Map.of("last_hidden_state", x, "pooled", pooled(p, bert, x)), null);
      case PRE_TRAINING -> preTraining(p, x, inputs, eps);
      case SEQUENCE_CLASSIFICATION -> {
        // Dropout on the pooled vector is off in eval mode.
        Tensor logits = linear(p, "classifier", pooled(p, bert, x));
        yield new Outputs(
            logits, crossEntropy(logits, inputs.get("labels"), TorchOps.NO_IGNORE, 0));
      }
      case QUESTION_ANSWERING -> questionAnswering(p, x, inputs);
    };
  }

  /** Embeddings (word + segment + position, LayerNorm) then the post-LN layers; [B, T, d]. */
  private static Tensor encoder(
      TorchParams p, String bert, Map<String, Tensor> inputs, ModelSpec spec, double eps) {
    int heads = TorchArchitecture.config(spec, "heads").intValue();
    int layers = TorchArchitecture.config(spec, "layers").intValue();
    Tensor ids = inputs.get("ids");
    long t = ids.size(1);
    String e = bert + "embeddings.";
    Tensor x = embedding(p.get(e + "word_embeddings.weight"), ids)
        .add(embedding(p.get(e + "token_type_embeddings.weight"), inputs.get("segments")))
        .add(p.get(e + "position_embeddings.weight").narrow(0, 0, t));
    x = layerNorm(p, e + "LayerNorm", x, eps);
    Tensor allowed = TorchMasks.padding(inputs.get("lengths"), t);
    for (int i = 0; i < layers; i++) {
      String n = bert + "encoder.layer." + i + ".";
      Tensor a = selfAttention(p, n + "attention", "self.qkv", "output.dense", x, heads, allowed);
      x = layerNorm(p, n + "attention.output.LayerNorm", x.add(a), eps);
      Tensor h = gelu(linear(p, n + "intermediate.dense", x), false);
      x = layerNorm(p, n + "output.LayerNorm", x.add(linear(p, n + "output.dense", h)), eps);
    }
    return x;
  }

  /** tanh(dense(x[:, 0])): the [CLS] position. */
  private static Tensor pooled(TorchParams p, String bert, Tensor x) {
    return linear(p, bert + "pooler.dense", x.select(1, 0)).tanh();
  }

  /** MLM over a transform and the tied decoder (word embeddingsᵀ + its own bias), plus NSP. */
  private static Outputs preTraining(
      TorchParams p, Tensor x, Map<String, Tensor> inputs, double eps) {
    Tensor t = gelu(linear(p, "cls.predictions.transform.dense", x), false);
    t = layerNorm(p, "cls.predictions.transform.LayerNorm", t, eps);
    Tensor mlm = t.matmul(p.get("bert.embeddings.word_embeddings.weight").t())
        .add(p.get("cls.predictions.bias"));
    Tensor nsp = linear(p, "cls.seq_relationship", pooled(p, "bert.", x));
    // mlm_labels are -100 where no prediction is wanted: PyTorch's and Kiln's default ignore_index.
    Tensor loss = crossEntropy(mlm, inputs.get("mlm_labels"), -100, 0)
        .add(crossEntropy(nsp, inputs.get("nsp_labels"), TorchOps.NO_IGNORE, 0));
    return new Outputs(Map.of("mlm_logits", mlm, "nsp_logits", nsp), loss);
  }

  /** Start and end logits over the positions from qa_outputs; the loss averages their CEs. */
  private static Outputs questionAnswering(TorchParams p, Tensor x, Map<String, Tensor> inputs) {
    Tensor qa = linear(p, "qa_outputs", x);
    Tensor start = qa.select(2, 0);
    Tensor end = qa.select(2, 1);
    Tensor loss = crossEntropy(start, inputs.get("start_positions"), TorchOps.NO_IGNORE, 0)
        .add(crossEntropy(end, inputs.get("end_positions"), TorchOps.NO_IGNORE, 0))
        .mul(new Scalar(0.5));
    return new Outputs(Map.of("start_logits", start, "end_logits", end), loss);
  }
}
