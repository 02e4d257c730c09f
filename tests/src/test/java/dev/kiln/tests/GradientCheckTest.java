package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.GradCheck;
import dev.kiln.runtime.check.RandomInputs;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every parameter gradient of every custom architecture against central finite differences in double
 * precision: the float32 backward within 1e-3, and the float64 twin (the same generated schedule on
 * the reference kernels) within 1e-5, with dropout on and its masks reproduced exactly.
 */
class GradientCheckTest {
  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(new TinyGptModel(), new TinyGptModelF64(), Map.of("B", 2, "T", 9)),
        Arguments.of(
            new EncoderClassifierModel(), new EncoderClassifierModelF64(), Map.of("B", 3, "T", 7)),
        Arguments.of(new Seq2SeqModel(), new Seq2SeqModelF64(), Map.of("B", 2, "S", 6, "T", 5)),
        Arguments.of(new SparseMixerModel(), new SparseMixerModelF64(), Map.of("B", 2, "T", 11)),
        Arguments.of(new WideHeadsModel(), new WideHeadsModelF64(), Map.of("B", 2, "T", 6)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void backwardMatchesFiniteDifferences(Model f32, Model f64, Map<String, Integer> dims) {
    Map<String, Tensor> inputs = RandomInputs.make(f32.spec(), dims, 7);
    GradCheck.Report r =
        GradCheck.run(f32, f64, inputs, new GradCheck.Options(11, 10, 1e-4, 1e-3, true));
    StringBuilder table = new StringBuilder(r.verdict());
    double worst64 = 0;
    for (GradCheck.TensorResult t : r.tensors()) {
      table.append(String.format(
          "%n%-28s rel=%.2e rel64=%.2e scale=%.2e kinks=%d",
          t.name(), t.relError(), t.relErrorF64(), t.scale(), t.nonSmooth()));
      worst64 = Math.max(worst64, t.relErrorF64());
    }
    assertTrue(r.passed(), table::toString);
    assertTrue(worst64 < 1e-5, () -> "float64 twin: " + table);
    for (GradCheck.TensorResult t : r.tensors()) {
      assertTrue(t.checked() > 0, () -> t.name() + " had no smooth element to check: " + table);
    }
  }
}
