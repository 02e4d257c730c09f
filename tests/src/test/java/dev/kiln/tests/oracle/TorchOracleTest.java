package dev.kiln.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.tests.EncoderClassifierModel;
import dev.kiln.tests.EncoderClassifierModelF64;
import dev.kiln.tests.Seq2SeqModel;
import dev.kiln.tests.Seq2SeqModelF64;
import dev.kiln.tests.TinyGptModel;
import dev.kiln.tests.TinyGptModelF64;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kiln's generated test models against PyTorch (libtorch, float64, autograd) as an independent
 * oracle: outputs, loss and every parameter gradient, on the same parameters and inputs, dropout off.
 */
class TorchOracleTest {
  private static final long PARAM_SEED = 20240611L;
  private static final long INPUT_SEED = 7L;

  /** One model in one precision, its PyTorch twin, run-time dims and bounds. */
  record Case(
      String label,
      Supplier<Model> factory,
      TorchArchitecture torch,
      Map<String, Integer> dims,
      OracleCheck.Tolerance tol) {
    @Override
    public String toString() {
      return label;
    }
  }

  static Stream<Case> models() {
    // Dims large enough that the band (w = 4) cuts, lengths vary across the batch, and S != T;
    // checkInputsExercise guards that padding and ignore_index really occur with these seeds.
    Map<String, Integer> gpt = Map.of("B", 3, "T", 11);
    Map<String, Integer> enc = Map.of("B", 4, "T", 9);
    Map<String, Integer> s2s = Map.of("B", 3, "S", 8, "T", 6);
    return Stream.of(
        new Case("TinyGpt", TinyGptModel::new, new TinyGptTorch(), gpt, OracleCheck.F32),
        new Case(
            "EncoderClassifier",
            EncoderClassifierModel::new,
            new EncoderClassifierTorch(),
            enc,
            OracleCheck.F32),
        new Case("Seq2Seq", Seq2SeqModel::new, new Seq2SeqTorch(), s2s, OracleCheck.F32),
        new Case("TinyGptF64", TinyGptModelF64::new, new TinyGptTorch(), gpt, OracleCheck.F64),
        new Case(
            "EncoderClassifierF64",
            EncoderClassifierModelF64::new,
            new EncoderClassifierTorch(),
            enc,
            OracleCheck.F64),
        new Case("Seq2SeqF64", Seq2SeqModelF64::new, new Seq2SeqTorch(), s2s, OracleCheck.F64));
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
    Map<String, Tensor> inputs = RandomInputs.make(kiln.spec(), c.dims(), INPUT_SEED);
    checkInputsExercise(inputs);
    OracleCheck.compare(c.label(), kiln, c.torch(), inputs, c.tol());
  }

  /** Guards that the seeded inputs reach the masked and ignored paths the oracle is meant to check. */
  private static void checkInputsExercise(Map<String, Tensor> inputs) {
    if (inputs.get("lengths") instanceof Tensor.I32 lengths) {
      int t = inputs.get("ids").shape()[1];
      assertTrue(
          Arrays.stream(lengths.data()).anyMatch(l -> l < t),
          "no padded position: " + Arrays.toString(lengths.data()));
    }
    if (inputs.containsKey("src") && inputs.get("labels") instanceof Tensor.I32 labels) {
      // seq2seq.model ignores label 0.
      assertTrue(
          Arrays.stream(labels.data()).anyMatch(l -> l == 0),
          "no ignored label: " + Arrays.toString(labels.data()));
    }
  }
}
