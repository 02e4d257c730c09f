package dev.kiln.tests.oracle;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.stdlib.TinyBertClassifierModel;
import dev.kiln.stdlib.TinyBertClassifierModelF64;
import dev.kiln.stdlib.TinyBertEncoderModel;
import dev.kiln.stdlib.TinyBertEncoderModelF64;
import dev.kiln.stdlib.TinyBertPreTrainingModel;
import dev.kiln.stdlib.TinyBertPreTrainingModelF64;
import dev.kiln.stdlib.TinyBertQaModel;
import dev.kiln.stdlib.TinyBertQaModelF64;
import dev.kiln.stdlib.TinyGpt1Model;
import dev.kiln.stdlib.TinyGpt1ModelF64;
import dev.kiln.stdlib.TinyGpt2Model;
import dev.kiln.stdlib.TinyGpt2ModelF64;
import dev.kiln.stdlib.TinyGpt3Model;
import dev.kiln.stdlib.TinyGpt3ModelF64;
import dev.kiln.stdlib.TinyTransformerModel;
import dev.kiln.stdlib.TinyTransformerModelF64;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The standard library's models (gpt2, gpt3, bert, transformer, gpt1 .model files at tiny size)
 * against PyTorch re-implementations, float32 and float64: outputs, loss and every gradient.
 */
class StdlibOracleTest {
  private static final long PARAM_SEED = 20240611L;
  private static final long PERTURB_SEED = 99L;

  /** One model in one precision, its PyTorch twin, its inputs and bounds. */
  record Case(
      String label,
      Supplier<Model> factory,
      TorchArchitecture torch,
      Function<ModelSpec, Map<String, Tensor>> inputs,
      OracleCheck.Tolerance tol) {
    @Override
    public String toString() {
      return label;
    }
  }

  static Stream<Case> models() {
    OracleCheck.Tolerance f32 = OracleCheck.F32;
    OracleCheck.Tolerance f64 = OracleCheck.F64;
    BertTorch encoder = new BertTorch(BertTorch.Head.ENCODER);
    BertTorch preTraining = new BertTorch(BertTorch.Head.PRE_TRAINING);
    BertTorch classifier = new BertTorch(BertTorch.Head.SEQUENCE_CLASSIFICATION);
    BertTorch qa = new BertTorch(BertTorch.Head.QUESTION_ANSWERING);
    return Stream.of(
        new Case("Gpt2", TinyGpt2Model::new, Gpt2Torch.gpt2(), StdlibInputs::gpt, f32),
        new Case("Gpt3", TinyGpt3Model::new, Gpt2Torch.gpt3(), StdlibInputs::gpt, f32),
        new Case("Gpt1Classifier", TinyGpt1Model::new, new Gpt1Torch(), StdlibInputs::gpt1, f32),
        new Case("BertModel", TinyBertEncoderModel::new, encoder, StdlibInputs::bert, f32),
        new Case(
            "BertForPreTraining",
            TinyBertPreTrainingModel::new,
            preTraining,
            StdlibInputs::bert,
            f32),
        new Case(
            "BertForSequenceClassification",
            TinyBertClassifierModel::new,
            classifier,
            StdlibInputs::bert,
            f32),
        new Case("BertForQuestionAnswering", TinyBertQaModel::new, qa, StdlibInputs::bert, f32),
        new Case(
            "Transformer",
            TinyTransformerModel::new,
            new TransformerTorch(),
            StdlibInputs::transformer,
            f32),
        new Case("Gpt2F64", TinyGpt2ModelF64::new, Gpt2Torch.gpt2(), StdlibInputs::gpt, f64),
        new Case("Gpt3F64", TinyGpt3ModelF64::new, Gpt2Torch.gpt3(), StdlibInputs::gpt, f64),
        new Case(
            "Gpt1ClassifierF64", TinyGpt1ModelF64::new, new Gpt1Torch(), StdlibInputs::gpt1, f64),
        new Case("BertModelF64", TinyBertEncoderModelF64::new, encoder, StdlibInputs::bert, f64),
        new Case(
            "BertForPreTrainingF64",
            TinyBertPreTrainingModelF64::new,
            preTraining,
            StdlibInputs::bert,
            f64),
        new Case(
            "BertForSequenceClassificationF64",
            TinyBertClassifierModelF64::new,
            classifier,
            StdlibInputs::bert,
            f64),
        new Case(
            "BertForQuestionAnsweringF64", TinyBertQaModelF64::new, qa, StdlibInputs::bert, f64),
        new Case(
            "TransformerF64",
            TinyTransformerModelF64::new,
            new TransformerTorch(),
            StdlibInputs::transformer,
            f64));
  }

  @BeforeAll
  static void loadLibtorch() {
    System.out.println("libtorch (JavaCPP presets) loaded in " + TorchOracle.LOAD_MILLIS + " ms");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void matchesPyTorch(Case c) {
    Model kiln = c.factory().get();
    kiln.initialize(PARAM_SEED);
    perturb(kiln);
    OracleCheck.compare(c.label(), kiln, c.torch(), c.inputs().apply(kiln.spec()), c.tol());
  }

  /**
   * Adds N(0, 0.05²) to every parameter: at initialisation every bias is 0 and every LayerNorm
   * weight 1, which would let a forward that drops a bias or a scale (e.g. cls.predictions.bias)
   * go unnoticed; the bias's gradient alone does not depend on whether it was added.
   */
  private static void perturb(Model kiln) {
    long stream = Rng.derive(PERTURB_SEED, kiln.spec().name());
    for (long i = 0; i < kiln.parameterCount(); i++) {
      kiln.setParameter(i, kiln.parameter(i) + 0.05 * Rng.normal(stream, i));
    }
  }
}
