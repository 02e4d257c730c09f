package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.runtime.data.CopyTask;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.GradClip;
import dev.kiln.runtime.train.Schedule;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated models train: the loss falls on a synthetic task, runs are reproducible, weights round-trip. */
class TrainingTest {
  @TempDir
  Path dir;

  private static final double LR = 1e-2;

  private static double train(TinyGptModel m, int steps, long seed) {
    m.initialize(seed);
    AdamW opt = new AdamW(m, new AdamW.Config(LR, 0.9, 0.95, 1e-8, 0.01));
    Schedule sched = new Schedule.WarmupCosine(20, steps, 0.1);
    double loss = Double.NaN;
    for (int step = 1; step <= steps; step++) {
      Tensor.I32[] b = CopyTask.batch(seed, step, 16, 16, TinyGptModel.VOCAB);
      m.zeroGrad();
      m.forward(b[0], b[1], true);
      loss = m.loss();
      m.backward();
      GradClip.clip(m.gradientBuffer(), 1.0);
      opt.step(sched.lr(step, LR));
    }
    return loss;
  }

  @Test
  void tinyGptLearnsToCopy() {
    TinyGptModel m = new TinyGptModel();
    m.initialize(3);
    Tensor.I32[] probe = CopyTask.batch(99, 0, 16, 16, TinyGptModel.VOCAB);
    m.forward(probe[0], probe[1], false);
    double before = m.loss();
    assertEquals(Math.log(TinyGptModel.VOCAB), before, 0.3, "an untrained model is near uniform");
    train(m, 300, 3);
    m.forward(probe[0], probe[1], false);
    double after = m.loss();
    // Rows of 17 tokens whose last 9 repeat the first 9: 7 of the 16 targets are unpredictable, so
    // a
    // model that copies perfectly reaches 7·ln(V)/16 = 1.372, and one that does not copy stays near
    // ln(V).
    double optimum = 7 * Math.log(TinyGptModel.VOCAB) / 16;
    assertTrue(
        after < optimum + 0.25, "loss " + before + " -> " + after + " (optimum " + optimum + ")");
  }

  @Test
  void trainingIsReproducible() {
    double a = train(new TinyGptModel(), 20, 5);
    double b = train(new TinyGptModel(), 20, 5);
    assertEquals(a, b, 0.0, "same seed, same data, same losses bit for bit");
  }

  @Test
  void weightsRoundTripThroughSafetensors() {
    TinyGptModel m = new TinyGptModel();
    m.initialize(8);
    Path file = dir.resolve("w.safetensors");
    m.save(file);
    TinyGptModel n = new TinyGptModel();
    n.load(file);
    assertTrue(Arrays.equals(m.parameterBuffer(), n.parameterBuffer()));
    Map<String, Tensor> in = RandomInputs.make(m.spec(), Map.of("B", 2, "T", 5), 1);
    m.forward(in, false);
    n.forward(in, false);
    assertEquals(m.loss(), n.loss(), 0.0);
  }
}
