package dev.kiln.runtime.train;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceKernels;
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

  /** The moments on the model's device (null on the CPU); the host arrays then mirror them. */
  private final Device.Buffer deviceM;

  private final Device.Buffer deviceV;

  /**
   * An optimiser for {@code model}, with its moments where the model is: call {@link
   * FloatModel#useDevice} first to train on a device.
   */
  public AdamW(FloatModel model, Config config) {
    this.model = model;
    this.config = config;
    int n = Math.toIntExact(model.parameterCount());
    this.m = new float[n];
    this.v = new float[n];
    if (model.onDevice()) {
      Device d = model.deviceKernels().device();
      deviceM = d.allocate(4L * n);
      deviceV = d.allocate(4L * n);
      model.deviceKernels().fill(n, deviceM, 0, 0.0);
      model.deviceKernels().fill(n, deviceV, 0, 0.0);
    } else {
      deviceM = null;
      deviceV = null;
    }
  }

  /** One update with learning rate {@code lr} from the current gradients. */
  public void step(double lr) {
    step++;
    if (deviceM != null) {
      deviceStep(lr);
      return;
    }
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

  private void deviceStep(double lr) {
    DeviceKernels k = model.deviceKernels();
    Device.Buffer p = model.deviceParams();
    Device.Buffer g = model.deviceGrads();
    for (ModelSpec.ParamSpec ps : model.spec().params()) {
      int off = (int) ps.offset();
      k.adamw(
          (int) ps.size(),
          p,
          off,
          g,
          off,
          deviceM,
          off,
          deviceV,
          off,
          lr,
          config.beta1(),
          config.beta2(),
          config.eps(),
          ps.decay() ? config.weightDecay() : 0.0,
          step);
    }
    model.deviceParametersChanged();
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
    if (deviceM != null) {
      model.deviceKernels().device().read(deviceM, 0, m, 0, m.length);
    }
    return m;
  }

  /** Second moments (for checkpoints). */
  public float[] secondMoments() {
    if (deviceV != null) {
      model.deviceKernels().device().read(deviceV, 0, v, 0, v.length);
    }
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
    if (deviceM != null) {
      model.deviceKernels().device().write(deviceM, 0, m, 0, m.length);
      model.deviceKernels().device().write(deviceV, 0, v, 0, v.length);
    }
    this.step = steps;
  }
}
