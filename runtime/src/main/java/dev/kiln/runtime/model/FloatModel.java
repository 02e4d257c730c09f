package dev.kiln.runtime.model;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import java.util.Arrays;

/** Base of generated float32 models: flat parameter, gradient and activation buffers. */
public abstract class FloatModel extends AbstractModel {
  protected final float[] params;
  protected final float[] grads;
  protected float[] arena = new float[0];

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

  /** The flat parameter buffer (layout of {@link ModelSpec#params()}), for optimisers. */
  public float[] parameterBuffer() {
    return params;
  }

  /** The flat gradient buffer, same layout. */
  public float[] gradientBuffer() {
    return grads;
  }

  /** Grows the activation arena to at least {@code size} elements. */
  protected final void ensureArena(long size) {
    int n = arenaLength(size);
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
    for (int i = 0; i < n; i++) {
      params[off + i] = (float) p.init().sample(stream, i);
    }
  }

  @Override
  public void zeroGrad() {
    Arrays.fill(grads, 0f);
  }

  @Override
  public double parameter(long i) {
    return params[Math.toIntExact(i)];
  }

  @Override
  public void setParameter(long i, double value) {
    params[Math.toIntExact(i)] = (float) value;
  }

  @Override
  public double gradient(long i) {
    return grads[Math.toIntExact(i)];
  }

  @Override
  protected double arenaValue(long offset) {
    return arena[Math.toIntExact(offset)];
  }

  @Override
  protected Tensor copyOut(long offset, int[] shape) {
    int off = Math.toIntExact(offset);
    return new Tensor.F32(
        shape, Arrays.copyOfRange(arena, off, off + Math.toIntExact(Tensor.count(shape))));
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
    float[] src = gradient ? grads : params;
    return new Tensor.F32(p.shape().clone(), Arrays.copyOfRange(src, off, off + (int) p.size()));
  }

  @Override
  protected void writeParameter(ModelSpec.ParamSpec p, Tensor t) {
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
