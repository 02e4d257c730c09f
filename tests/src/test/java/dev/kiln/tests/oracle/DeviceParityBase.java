package dev.kiln.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceProvider;
import dev.kiln.runtime.gpu.Devices;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.GradClip;
import dev.kiln.stdlib.TinyBertClassifierModel;
import dev.kiln.stdlib.TinyBertEncoderModel;
import dev.kiln.stdlib.TinyBertPreTrainingModel;
import dev.kiln.stdlib.TinyBertQaModel;
import dev.kiln.stdlib.TinyGpt1Model;
import dev.kiln.stdlib.TinyGpt2Model;
import dev.kiln.stdlib.TinyGpt3Model;
import dev.kiln.stdlib.TinyTransformerModel;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every standard-library model at tiny size runs on a device backend as on the CPU:
 * outputs within 1e-4 and parameter gradients within 1e-3 (relative to the largest magnitude of the
 * tensor, floored at 1e-3 of the model's largest gradient, as in the PyTorch oracle), then a few
 * training steps with dropout on and AdamW on the device give the same losses.
 */
abstract class DeviceParityBase {
  private static final long SEED = 11L;
  private static final double OUTPUT_TOL = 1e-4;
  private static final double GRAD_TOL = 1e-3;
  private static final int STEPS = 3;

  private static Device device;
  private static String backend;

  record Case(
      String label, Supplier<FloatModel> factory, Function<ModelSpec, Map<String, Tensor>> inputs) {
    @Override
    public String toString() {
      return label;
    }
  }

  static Stream<Case> models() {
    return Stream.of(
        new Case("Gpt2", TinyGpt2Model::new, StdlibInputs::gpt),
        new Case("Gpt3", TinyGpt3Model::new, StdlibInputs::gpt),
        new Case("Gpt1Classifier", TinyGpt1Model::new, StdlibInputs::gpt1),
        new Case("BertModel", TinyBertEncoderModel::new, StdlibInputs::bert),
        new Case("BertForPreTraining", TinyBertPreTrainingModel::new, StdlibInputs::bert),
        new Case("BertForSequenceClassification", TinyBertClassifierModel::new, StdlibInputs::bert),
        new Case("BertForQuestionAnswering", TinyBertQaModel::new, StdlibInputs::bert),
        new Case("Transformer", TinyTransformerModel::new, StdlibInputs::transformer));
  }

  /** Opens the first device of {@code name}, or skips saying why there is none. */
  static void openDevice(String name, String hint) {
    DeviceProvider.DeviceInfo first = Devices.probe().stream()
        .filter(d -> d.backend().equals(name))
        .findFirst()
        .orElseThrow();
    Assumptions.assumeTrue(
        first.available(), "no " + name + " device (" + first.detail() + "); " + hint);
    device = Devices.open(name);
    backend = name;
    System.out.println(name + " device: " + device.name());
  }

  @AfterAll
  static void closeDevice() {
    if (device != null) {
      device.close();
      device = null;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void matchesTheCpu(Case c) {
    FloatModel cpu = c.factory().get();
    FloatModel gpu = c.factory().get();
    cpu.initialize(SEED);
    gpu.initialize(SEED);
    gpu.useDevice(device);
    try {
      Map<String, Tensor> in = c.inputs().apply(cpu.spec());
      cpu.forward(in, false);
      gpu.forward(in, false);
      for (ModelSpec.OutputSpec o : cpu.spec().outputs()) {
        double err = relative(cpu.output(o.name()), gpu.output(o.name()), 0);
        System.out.printf("%s: output %s rel=%.2e%n", c.label(), o.name(), err);
        assertTrue(err <= OUTPUT_TOL, c.label() + " output " + o.name() + " rel " + err);
      }
      if (cpu.spec().loss() == null) {
        return;
      }
      cpu.zeroGrad();
      gpu.zeroGrad();
      cpu.backward();
      gpu.backward();
      Map<String, Tensor> gc = cpu.gradients();
      Map<String, Tensor> gg = gpu.gradients();
      double largest = 0;
      for (Tensor t : gc.values()) {
        largest = Math.max(largest, maxAbs(t));
      }
      double worst = 0;
      String where = "";
      for (String name : gc.keySet()) {
        double err = relative(gc.get(name), gg.get(name), 1e-3 * largest);
        if (err > worst) {
          worst = err;
          where = name;
        }
      }
      System.out.printf("%s: worst gradient %s rel=%.2e%n", c.label(), where, worst);
      assertTrue(worst <= GRAD_TOL, c.label() + " gradient " + where + " rel " + worst);

      AdamW cpuOpt = new AdamW(cpu, new AdamW.Config(1e-3, 0.9, 0.95, 1e-8, 0.01));
      AdamW gpuOpt = new AdamW(gpu, new AdamW.Config(1e-3, 0.9, 0.95, 1e-8, 0.01));
      for (int step = 1; step <= STEPS; step++) {
        double lc = trainStep(cpu, cpuOpt, in);
        double lg = trainStep(gpu, gpuOpt, in);
        System.out.printf("%s: step %d loss cpu %.6f %s %.6f%n", c.label(), step, lc, backend, lg);
        assertEquals(lc, lg, 1e-4 * Math.max(1, Math.abs(lc)), c.label() + " step " + step);
      }
      // AdamW divides by the gradient's own scale, so a parameter whose gradient is rounding noise
      // (BERT QA's qa_outputs.bias: exactly zero in exact arithmetic) moves by ±lr either way on
      // either backend: such tensors are left out of the parameter comparison.
      double drift = 0;
      Map<String, Tensor> pc = cpu.parameters();
      Map<String, Tensor> pg = gpu.parameters();
      for (String name : pc.keySet()) {
        if (maxAbs(gc.get(name)) < 1e-4 * largest) {
          System.out.printf("%s: %s left out (gradient at rounding level)%n", c.label(), name);
          continue;
        }
        drift = Math.max(drift, relative(pc.get(name), pg.get(name), 1e-3));
      }
      System.out.printf("%s: parameters after %d steps rel=%.2e%n", c.label(), STEPS, drift);
      assertTrue(drift <= GRAD_TOL, c.label() + " parameters drifted " + drift);
    } finally {
      gpu.close();
    }
  }

  private static double trainStep(FloatModel m, AdamW opt, Map<String, Tensor> in) {
    m.zeroGrad();
    m.forward(in, true);
    double loss = m.loss();
    m.backward();
    GradClip.clip(m, 1.0);
    opt.step(1e-3);
    return loss;
  }

  /** Largest |a - b| over the larger of max|a| and {@code floor}. */
  private static double relative(Tensor a, Tensor b, double floor) {
    float[] x = ((Tensor.F32) a).data();
    float[] y = ((Tensor.F32) b).data();
    assertEquals(x.length, y.length);
    double diff = 0;
    double scale = floor;
    for (int i = 0; i < x.length; i++) {
      if (Float.isNaN(y[i]) != Float.isNaN(x[i])) {
        return Double.POSITIVE_INFINITY;
      }
      if (Float.isInfinite(x[i]) || Float.isInfinite(y[i])) {
        if (x[i] != y[i]) {
          return Double.POSITIVE_INFINITY;
        }
        continue;
      }
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(x[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  private static double maxAbs(Tensor t) {
    double m = 0;
    for (float v : ((Tensor.F32) t).data()) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
