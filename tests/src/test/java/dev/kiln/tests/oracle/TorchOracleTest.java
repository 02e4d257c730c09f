package dev.kiln.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Kiln's generated models against PyTorch (libtorch, float64, autograd) as an independent oracle:
 * logits, loss and every parameter gradient, on the same parameters and inputs, dropout off.
 */
class TorchOracleTest {
  private static final long PARAM_SEED = 20240611L;
  private static final long INPUT_SEED = 7L;

  /** Bounds on max|kiln − torch| / max|torch| per tensor. */
  record Tolerance(double logits, double loss, double gradient) {}

  /** The float32 models: the bounds of the brief. */
  private static final Tolerance F32 = new Tolerance(1e-4, 1e-4, 1e-3);

  /**
   * The float64 twins: only the order of summation differs from PyTorch, so what is left is rounding
   * noise (measured ~1e-15); these catch what float32 noise hides, e.g. erf GELU swapped for tanh.
   */
  private static final Tolerance F64 = new Tolerance(1e-12, 1e-12, 1e-10);

  /** One model in one precision, its PyTorch twin, run-time dims and bounds. */
  record Case(
      String label,
      Supplier<Model> factory,
      TorchArchitecture torch,
      Map<String, Integer> dims,
      Tolerance tol) {
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
        new Case("TinyGpt", TinyGptModel::new, new TinyGptTorch(), gpt, F32),
        new Case(
            "EncoderClassifier",
            EncoderClassifierModel::new,
            new EncoderClassifierTorch(),
            enc,
            F32),
        new Case("Seq2Seq", Seq2SeqModel::new, new Seq2SeqTorch(), s2s, F32),
        new Case("TinyGptF64", TinyGptModelF64::new, new TinyGptTorch(), gpt, F64),
        new Case(
            "EncoderClassifierF64",
            EncoderClassifierModelF64::new,
            new EncoderClassifierTorch(),
            enc,
            F64),
        new Case("Seq2SeqF64", Seq2SeqModelF64::new, new Seq2SeqTorch(), s2s, F64));
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

    long start = System.nanoTime();
    // training = false: every dropout (TinyGpt's residual ones, the encoder's attention one) off.
    kiln.forward(inputs, false);
    double kilnLoss = kiln.loss();
    boolean hasLogits = kiln.spec().outputs().stream().anyMatch(o -> o.name().equals("logits"));
    Tensor kilnLogits = hasLogits ? kiln.output("logits") : null;
    kiln.backward();
    Map<String, Tensor> kilnGrads = kiln.gradients();
    long kilnMicros = (System.nanoTime() - start) / 1000;

    start = System.nanoTime();
    TorchOracle.Result ref = TorchOracle.run(c.torch(), kiln.spec(), kiln.parameters(), inputs);
    long torchMicros = (System.nanoTime() - start) / 1000;

    StringBuilder report = new StringBuilder(String.format(
        "%s vs PyTorch float64 (kiln fwd+bwd %d µs, torch fwd+bwd %d µs)%n",
        c, kilnMicros, torchMicros));
    double logitsErr = hasLogits ? TorchOracle.relError(kilnLogits, ref.logits()) : 0;
    report.append(
        hasLogits
            ? String.format("  %-27s rel=%.2e%n", "logits", logitsErr)
            : "  logits                      (not a model output)\n");
    double lossErr = Math.abs(kilnLoss - ref.loss()) / Math.abs(ref.loss());
    report.append(String.format(
        "  %-27s rel=%.2e (kiln %.10f, torch %.10f)%n", "loss", lossErr, kilnLoss, ref.loss()));
    assertEquals(kilnGrads.keySet(), ref.gradients().keySet(), "parameter names");
    double worstGrad = 0;
    String worstName = "";
    for (Map.Entry<String, Tensor> g : kilnGrads.entrySet()) {
      double err = TorchOracle.relError(g.getValue(), ref.gradients().get(g.getKey()));
      report.append(String.format("  grad %-22s rel=%.2e%n", g.getKey(), err));
      if (!(err <= worstGrad)) { // NaN counts as worst
        worstGrad = err;
        worstName = g.getKey();
      }
    }
    report.append(String.format(
        "  worst of %d gradients: %s rel=%.2e", kilnGrads.size(), worstName, worstGrad));
    System.out.println(report);

    String table = report.toString();
    assertTrue(logitsErr <= c.tol().logits(), () -> "logits\n" + table);
    assertTrue(lossErr <= c.tol().loss(), () -> "loss\n" + table);
    assertTrue(worstGrad <= c.tol().gradient(), () -> "gradients\n" + table);
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
