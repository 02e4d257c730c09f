package dev.kiln.runtime.model;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceKernels;
import java.util.Arrays;

/**
 * Base of generated float32 models: flat parameter, gradient and activation buffers.
 *
 * <p>A model runs on the CPU until {@link #useDevice} moves it to a GPU backend. From then on its
 * parameters, gradients and activations live in device buffers and forward and backward run the
 * generated device methods; the host arrays become mirrors, brought up to date only when something
 * reads them (a checkpoint, {@link #parameters()}, an output or the loss), and parameters written
 * on the host are uploaded before the next pass.
 */
public abstract class FloatModel extends AbstractModel {
  protected final float[] params;
  protected final float[] grads;
  protected float[] arena = new float[0];

  private DeviceKernels deviceKernels;
  private Device.Buffer deviceParams;
  private Device.Buffer deviceGrads;
  private Device.Buffer deviceArena;

  /** The device holds parameters newer than {@link #params} (after an optimiser step there). */
  private boolean hostParamsStale;

  /** {@link #params} holds values the device does not have yet. */
  private boolean deviceParamsStale;

  protected FloatModel(ModelSpec spec) {
    super(spec);
    int n = Math.toIntExact(spec.parameterCount());
    this.params = new float[n];
    this.grads = new float[n];
  }

  @Override
  public Tensor.DType precision() {
    return Tensor.DType.F32;
  }

  /**
   * The flat parameter buffer (layout of {@link ModelSpec#params()}), for optimisers. On a device,
   * an up-to-date host copy; changes made to it are uploaded before the next pass.
   */
  public float[] parameterBuffer() {
    pullParameters();
    deviceParamsStale = deviceKernels != null;
    return params;
  }

  /** The flat gradient buffer, same layout (on a device, a copy read back from it). */
  public float[] gradientBuffer() {
    if (deviceKernels != null) {
      deviceKernels.device().read(deviceGrads, 0, grads, 0, grads.length);
    }
    return grads;
  }

  // ------------------------------------------------------------------------------------- devices

  /**
   * Moves this model to {@code device}: uploads the parameters, allocates gradients (zeroed) and,
   * at the first pass, the activation arena. The device stays in use until {@link #close()}; the
   * caller keeps ownership of it.
   */
  public void useDevice(Device device) {
    if (deviceKernels != null) {
      throw new IllegalStateException("model " + spec.name() + " is already on a device");
    }
    deviceKernels = new DeviceKernels(device);
    deviceParams = device.allocate(4L * params.length);
    deviceGrads = device.allocate(4L * grads.length);
    device.write(deviceParams, 0, params, 0, params.length);
    deviceKernels.fill(grads.length, deviceGrads, 0, 0.0);
  }

  /** True once {@link #useDevice} has moved the model to a device. */
  public final boolean onDevice() {
    return deviceKernels != null;
  }

  /**
   * The kernels of this model's device, or null on the CPU (generated device methods call them, and
   * an optimiser keeping its state on the device).
   */
  public final DeviceKernels deviceKernels() {
    return deviceKernels;
  }

  /** Device parameters, uploading host changes first. */
  public final Device.Buffer deviceParams() {
    if (deviceParamsStale) {
      deviceKernels.device().write(deviceParams, 0, params, 0, params.length);
      deviceParamsStale = false;
    }
    return deviceParams;
  }

  /** Device gradients. */
  public final Device.Buffer deviceGrads() {
    return deviceGrads;
  }

  /** The device activation arena of the current dims. */
  protected final Device.Buffer deviceArena() {
    return deviceArena;
  }

  /** Tells the model that an optimiser changed its parameters on the device. */
  public final void deviceParametersChanged() {
    hostParamsStale = true;
  }

  /** Brings the host parameter mirror up to date. */
  private void pullParameters() {
    if (hostParamsStale) {
      deviceKernels.device().read(deviceParams(), 0, params, 0, params.length);
      hostParamsStale = false;
    }
  }

  /** The host parameters were written: upload them before the next device pass. */
  private void pushLater() {
    if (deviceKernels != null) {
      pullParameters();
      deviceParamsStale = true;
    }
  }

  /** {@code Σ g²} over all gradients, where they are. */
  public double gradientSquaredNorm() {
    return deviceKernels != null
        ? deviceKernels.sumSquares(grads.length, deviceGrads, 0)
        : Kernels32.sumSquares(grads.length, grads, 0);
  }

  /** Multiplies all gradients by {@code f}, where they are. */
  public void scaleGradients(double f) {
    if (deviceKernels != null) {
      deviceKernels.scale(grads.length, deviceGrads, 0, f, deviceGrads, 0);
    } else {
      Kernels32.scale(grads.length, grads, 0, f, grads, 0);
    }
  }

  /** Releases the device buffers (the device itself belongs to the caller). */
  public void close() {
    if (deviceKernels != null) {
      pullParameters();
      for (Device.Buffer b : new Device.Buffer[] {deviceParams, deviceGrads, deviceArena}) {
        if (b != null) {
          b.close();
        }
      }
      deviceKernels.close();
      deviceKernels = null;
      deviceArena = null;
    }
  }

  /** Grows the activation arena to at least {@code size} elements. */
  protected final void ensureArena(long size) {
    int n = arenaLength(size);
    if (deviceKernels != null) {
      if (deviceArena == null || deviceArena.bytes() < 4L * n) {
        if (deviceArena != null) {
          deviceKernels.device().finish(); // launches queued on the old arena end first
          deviceArena.close();
        }
        deviceArena = deviceKernels.device().allocate(4L * Math.max(n, 1));
      }
      return;
    }
    if (arena.length < n) {
      try {
        arena = new float[n];
      } catch (OutOfMemoryError e) {
        throw new KilnException("not enough memory for " + ((4L * n) >> 20)
            + " MiB of activations; use a smaller batch or sequence, or raise -Xmx");
      }
    }
  }

  @Override
  protected void fillParameter(ModelSpec.ParamSpec p, long stream) {
    int off = (int) p.offset();
    long n = p.size();
    pushLater();
    for (int i = 0; i < n; i++) {
      params[off + i] = (float) p.init().sample(stream, i);
    }
  }

  @Override
  public void zeroGrad() {
    if (deviceKernels != null) {
      deviceKernels.fill(grads.length, deviceGrads, 0, 0.0);
    } else {
      Arrays.fill(grads, 0f);
    }
  }

  @Override
  public double parameter(long i) {
    pullParameters();
    return params[Math.toIntExact(i)];
  }

  @Override
  public void setParameter(long i, double value) {
    pushLater();
    params[Math.toIntExact(i)] = (float) value;
  }

  @Override
  public double gradient(long i) {
    if (deviceKernels != null) {
      float[] one = new float[1];
      deviceKernels.device().read(deviceGrads, i, one, 0, 1);
      return one[0];
    }
    return grads[Math.toIntExact(i)];
  }

  @Override
  protected double arenaValue(long offset) {
    if (deviceKernels != null) {
      float[] one = new float[1];
      deviceKernels.device().read(deviceArena, offset, one, 0, 1);
      return one[0];
    }
    return arena[Math.toIntExact(offset)];
  }

  @Override
  protected Tensor copyOut(long offset, int[] shape) {
    int off = Math.toIntExact(offset);
    int n = Math.toIntExact(Tensor.count(shape));
    if (deviceKernels != null) {
      float[] out = new float[n];
      deviceKernels.device().read(deviceArena, off, out, 0, n);
      return new Tensor.F32(shape, out);
    }
    return new Tensor.F32(shape, Arrays.copyOfRange(arena, off, off + n));
  }

  @Override
  protected Object floatInput(ModelSpec.InputSpec in, Tensor t) {
    return switch (t) {
      case Tensor.F32 f -> f.data();
      case Tensor.F64 d -> {
        float[] out = new float[d.data().length];
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) d.data()[i];
        }
        yield out;
      }
      case Tensor.I32 i ->
        throw new KilnException("input '" + in.name() + "' must hold floats, got i32");
    };
  }

  @Override
  protected Tensor copyParameter(ModelSpec.ParamSpec p, boolean gradient) {
    int off = (int) p.offset();
    float[] src = gradient ? gradientBuffer() : hostParameters();
    return new Tensor.F32(p.shape().clone(), Arrays.copyOfRange(src, off, off + (int) p.size()));
  }

  @Override
  protected void writeParameter(ModelSpec.ParamSpec p, Tensor t) {
    pushLater();
    int off = (int) p.offset();
    switch (t) {
      case Tensor.F32 f -> System.arraycopy(f.data(), 0, params, off, f.data().length);
      case Tensor.F64 d -> {
        for (int i = 0; i < d.data().length; i++) {
          params[off + i] = (float) d.data()[i];
        }
      }
      case Tensor.I32 i ->
        throw new KilnException("parameter '" + p.name() + "' cannot be set from integers");
    }
  }

  /**
   * The parameters as a flat host array, up to date, for reading only: unlike {@link
   * #parameterBuffer()}, changes to it are not uploaded to a device.
   */
  public float[] hostParameters() {
    pullParameters();
    return params;
  }

  /** Writes the parameters as safetensors straight from the flat buffer (no per-tensor copies). */
  @Override
  public void save(java.nio.file.Path file) {
    float[] w = hostParameters();
    dev.kiln.runtime.io.SafetensorsWriter out = new dev.kiln.runtime.io.SafetensorsWriter();
    for (ModelSpec.ParamSpec p : spec.params()) {
      out.addSlice(p.name(), p.shape(), w, (int) p.offset());
    }
    out.metadata("format", "pt").metadata("kiln.model", spec.name()).write(file);
  }

  /** Attention layers captured during the last forward pass, or null when capture is off. */
  protected java.util.List<AttentionSite> captured;

  /**
   * Turns attention capture on or off. When on, every forward pass copies each attention layer's
   * queries and keys as it runs (buffers are reused later in the pass, so they cannot be read
   * afterwards); when off, the generated code skips that with one test per layer.
   */
  public void captureAttention(boolean on) {
    captured = on ? new java.util.ArrayList<>() : null;
  }

  @Override
  protected void beforeForward() {
    if (captured != null) {
      captured = new java.util.ArrayList<>();
    }
  }

  /**
   * The attention layers of the last forward pass, in forward order, when {@link
   * #captureAttention} is on; empty otherwise, and for a model without attention.
   */
  public java.util.List<AttentionSite> attentionSites() {
    return captured == null ? java.util.List.of() : java.util.List.copyOf(captured);
  }
}
