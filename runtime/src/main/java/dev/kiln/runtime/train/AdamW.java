package dev.kiln.runtime.train;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter): biases and norm gains (parameters
 * declared without decay) are not decayed. Moments live in two buffers laid out like the parameters.
 */
public final class AdamW {
  /** Hyper-parameters; {@code lr} is the peak rate a schedule scales. */
  public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public static Config defaults(double lr) {
      return new Config(lr, 0.9, 0.999, 1e-8, 0.01);
    }
  }

  private final FloatModel model;
  private final Config config;
  private final float[] m;
  private final float[] v;
  private int step;

  public AdamW(FloatModel model, Config config) {
    this.model = model;
    this.config = config;
    this.m = new float[model.parameterBuffer().length];
    this.v = new float[model.parameterBuffer().length];
  }

  /** One update with learning rate {@code lr} from the current gradients. */
  public void step(double lr) {
    step++;
    float[] p = model.parameterBuffer();
    float[] g = model.gradientBuffer();
    for (ModelSpec.ParamSpec ps : model.spec().params()) {
      int off = (int) ps.offset();
      Kernels32.adamw(
          (int) ps.size(),
          p,
          off,
          g,
          off,
          m,
          off,
          v,
          off,
          lr,
          config.beta1(),
          config.beta2(),
          config.eps(),
          ps.decay() ? config.weightDecay() : 0.0,
          step);
    }
  }

  public Config config() {
    return config;
  }

  /** Number of updates taken (the bias-correction step). */
  public int steps() {
    return step;
  }

  /** First moments (for checkpoints), same layout as the parameters. */
  public float[] firstMoments() {
    return m;
  }

  /** Second moments (for checkpoints). */
  public float[] secondMoments() {
    return v;
  }

  /** Restores optimiser state from a checkpoint. */
  public void restore(float[] first, float[] second, int steps) {
    if (first.length != m.length || second.length != v.length) {
      throw new IllegalArgumentException(
          "optimiser state has " + first.length + " values, the model " + m.length);
    }
    System.arraycopy(first, 0, m, 0, m.length);
    System.arraycopy(second, 0, v, 0, v.length);
    this.step = steps;
  }
}
