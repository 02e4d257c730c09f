package dev.kiln.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One Kiln model against its PyTorch twin on the same parameters and inputs, dropout off: every
 * declared output, the loss and every parameter gradient; prints the errors, asserts the bounds.
 */
final class OracleCheck {
  /** Bounds on max|kiln − torch| / max|torch| per tensor. */
  record Tolerance(double outputs, double loss, double gradient) {}

  /** The float32 models: the bounds of the brief. */
  static final Tolerance F32 = new Tolerance(1e-4, 1e-4, 1e-3);

  /**
   * The float64 twins: only the order of summation differs from PyTorch, so what is left is rounding
   * noise (measured ~1e-15); these catch what float32 noise hides, e.g. erf GELU swapped for tanh.
   */
  static final Tolerance F64 = new Tolerance(1e-12, 1e-12, 1e-10);

  private OracleCheck() {}

  /** Runs {@code kiln} (already initialised) and {@code torch} on {@code inputs} and compares. */
  static void compare(
      String label,
      Model kiln,
      TorchArchitecture torch,
      Map<String, Tensor> inputs,
      Tolerance tol) {
    ModelSpec spec = kiln.spec();
    long start = System.nanoTime();
    // training = false: every dropout (embedding, attention, residual, classifier) off.
    kiln.forward(inputs, false);
    Map<String, Tensor> kilnOutputs = new LinkedHashMap<>();
    for (ModelSpec.OutputSpec o : spec.outputs()) {
      if (!o.name().equals(spec.loss())) {
        kilnOutputs.put(o.name(), kiln.output(o.name()));
      }
    }
    boolean hasLoss = spec.loss() != null;
    double kilnLoss = hasLoss ? kiln.loss() : Double.NaN;
    Map<String, Tensor> kilnGrads = Map.of();
    if (hasLoss) {
      kiln.backward();
      kilnGrads = kiln.gradients();
    }
    long kilnMicros = (System.nanoTime() - start) / 1000;

    start = System.nanoTime();
    TorchOracle.Result ref = TorchOracle.run(torch, spec, kiln.parameters(), inputs);
    long torchMicros = (System.nanoTime() - start) / 1000;

    int width = 8;
    for (String name : kilnGrads.keySet()) {
      width = Math.max(width, name.length());
    }
    StringBuilder report = new StringBuilder(String.format(
        "%s vs PyTorch float64 (kiln %d µs, torch %d µs)%n", label, kilnMicros, torchMicros));
    double worstOutput = 0;
    for (Map.Entry<String, Tensor> o : kilnOutputs.entrySet()) {
      Tensor.F64 expected = ref.outputs().get(o.getKey());
      assertNotNull(expected, "the PyTorch twin does not compute output " + o.getKey());
      double err = TorchOracle.relError(o.getValue(), expected);
      report.append(String.format("  %-" + (width + 5) + "s rel=%.2e%n", o.getKey(), err));
      worstOutput = worse(worstOutput, err);
    }
    double lossErr = 0;
    if (hasLoss) {
      lossErr = Math.abs(kilnLoss - ref.loss()) / Math.abs(ref.loss());
      report.append(String.format(
          "  %-" + (width + 5) + "s rel=%.2e (kiln %.10f, torch %.10f)%n",
          "loss",
          lossErr,
          kilnLoss,
          ref.loss()));
    } else {
      assertTrue(Double.isNaN(ref.loss()), "the model has no loss, but the PyTorch twin has one");
      report.append("  (no loss, so no gradients)\n");
    }
    assertEquals(kilnGrads.keySet(), ref.gradients().keySet(), "parameter names");
    double worstGrad = 0;
    String worstName = "";
    // Some gradients are zero in exact arithmetic: a bias added to every position before a softmax
    // over positions (BERT QA's qa_outputs.bias, and the LayerNorm bias that feeds it only through
    // that linear). Their PyTorch value is rounding noise, so each gradient is measured against at
    // least 1e-3 of the largest gradient entry of the whole model.
    double floor = 1e-3 * TorchOracle.maxAbs(ref.gradients().values());
    for (Map.Entry<String, Tensor> g : kilnGrads.entrySet()) {
      double err = TorchOracle.relError(g.getValue(), ref.gradients().get(g.getKey()), floor);
      report.append(String.format("  grad %-" + width + "s rel=%.2e%n", g.getKey(), err));
      if (!Double.isNaN(worstGrad) && !(err <= worstGrad)) { // the first NaN is the worst
        worstGrad = err;
        worstName = g.getKey();
      }
    }
    if (hasLoss) {
      report.append(String.format(
          "  worst of %d gradients: %s rel=%.2e%n", kilnGrads.size(), worstName, worstGrad));
    }
    System.out.print(report);

    String table = report.toString();
    assertTrue(worstOutput <= tol.outputs(), () -> "outputs\n" + table);
    assertTrue(lossErr <= tol.loss(), () -> "loss\n" + table);
    assertTrue(worstGrad <= tol.gradient(), () -> "gradients\n" + table);
  }

  /** The larger error, NaN counting as the worst. */
  private static double worse(double worst, double err) {
    return Double.isNaN(worst) || err <= worst ? worst : err;
  }
}
