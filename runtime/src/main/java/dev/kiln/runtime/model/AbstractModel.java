package dev.kiln.runtime.model;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every generated model shares, whatever its precision: checking inputs against the spec and
 * binding the run-time dims, the dropout random state, and the order of forward and backward.
 * Generated subclasses supply {@link #bind}, {@link #runForward}, {@link #runBackward} and the
 * arena offsets of their outputs.
 */
public abstract class AbstractModel implements Model {
  protected final ModelSpec spec;
  private final int[] dimValues;
  private long seed;
  private long step;
  private boolean forwardDone;
  private boolean trainingForward;

  protected AbstractModel(ModelSpec spec) {
    this.spec = spec;
    this.dimValues = new int[spec.dims().size()];
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public long parameterCount() {
    return spec.parameterCount();
  }

  @Override
  public void setRandomState(long seed, long step) {
    this.seed = seed;
    this.step = step;
  }

  @Override
  public long randomStep() {
    return step;
  }

  /** The seed of the dropout streams. */
  public long randomSeed() {
    return seed;
  }

  /** The seed of the dropout stream of node {@code nodeId} for the current step. */
  protected final long dropoutSeed(int nodeId) {
    return Rng.derive(Rng.derive(seed, step), nodeId);
  }

  /** Current value of run-time dim {@code i} (in spec order). */
  protected final int dimValue(int i) {
    return dimValues[i];
  }

  @Override
  public void initialize(long seed) {
    for (ModelSpec.ParamSpec p : spec.params()) {
      long stream = Rng.derive(seed, p.name());
      fillParameter(p, stream);
    }
    zeroGrad();
    this.seed = Rng.derive(seed, "dropout");
    this.step = 0;
  }

  /** Writes {@code p.init()} samples of {@code stream} into parameter {@code p}. */
  protected abstract void fillParameter(ModelSpec.ParamSpec p, long stream);

  @Override
  public final void forward(Map<String, Tensor> inputs, boolean training) {
    Object[] data = bindInputs(inputs);
    bind(dimValues, data);
    if (training) {
      step++;
    }
    forwardDone = false;
    beforeForward();
    runForward(training);
    forwardDone = true;
    trainingForward = training;
  }

  @Override
  public final void backward() {
    if (spec.loss() == null) {
      throw new KilnException(
          "model " + spec.name() + " has no scalar loss output, so it has no backward pass");
    }
    if (!forwardDone) {
      throw new KilnException("backward() needs a forward(inputs, training) first");
    }
    runBackward(trainingForward);
  }

  /** Sets run-time dims and inputs, plans the arena for them. */
  protected abstract void bind(int[] dims, Object[] inputs);

  protected abstract void runForward(boolean training);

  /** Called at the start of every forward pass (resets per-pass state such as captured attention). */
  protected void beforeForward() {}

  /** Backward of the last forward; {@code training} is that forward's flag (dropout on or off). */
  protected abstract void runBackward(boolean training);

  /** Arena offset of output {@code index} (spec order) for the current dims. */
  protected abstract long outputOffset(int index);

  /** Arena offset of the loss, or -1 if none. */
  protected abstract long lossOffset();

  /** Copies {@code n} arena elements from {@code offset} into a tensor of this model's precision. */
  protected abstract Tensor copyOut(long offset, int[] shape);

  protected abstract double arenaValue(long offset);

  @Override
  public double loss() {
    long off = lossOffset();
    if (off < 0 || !forwardDone) {
      return Double.NaN;
    }
    return arenaValue(off);
  }

  @Override
  public Tensor output(String name) {
    List<ModelSpec.OutputSpec> outs = spec.outputs();
    for (int i = 0; i < outs.size(); i++) {
      if (outs.get(i).name().equals(name)) {
        if (!forwardDone) {
          throw new KilnException("output '" + name + "' is not available before forward()");
        }
        return copyOut(outputOffset(i), concreteShape(outs.get(i).dims()));
      }
    }
    throw new KilnException(
        "model " + spec.name() + " has no output '" + name + "'; its outputs are: "
            + String.join(", ", outs.stream().map(ModelSpec.OutputSpec::name).toList()));
  }

  /** A shape written with dim names ({@code B}, {@code T}, {@code 64}) made concrete. */
  protected int[] concreteShape(List<String> dims) {
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dimOrSize(dims.get(i));
    }
    return shape;
  }

  private int dimOrSize(String d) {
    for (int j = 0; j < spec.dims().size(); j++) {
      if (spec.dims().get(j).name().equals(d)) {
        return dimValues[j];
      }
    }
    return Integer.parseInt(d);
  }

  /** Checks the inputs against the spec, binds run-time dims, returns the raw arrays in spec order. */
  private Object[] bindInputs(Map<String, Tensor> inputs) {
    for (String key : inputs.keySet()) {
      if (spec.inputs().stream().noneMatch(in -> in.name().equals(key))) {
        throw new KilnException("model " + spec.name() + " has no input '" + key + "'; it takes: "
            + String.join(
                ", ", spec.inputs().stream().map(ModelSpec.InputSpec::name).toList()));
      }
    }
    java.util.Arrays.fill(dimValues, -1);
    String[] boundBy = new String[dimValues.length];
    Object[] data = new Object[spec.inputs().size()];
    for (int k = 0; k < spec.inputs().size(); k++) {
      ModelSpec.InputSpec in = spec.inputs().get(k);
      Tensor t = inputs.get(in.name());
      String declared = in.dtype().name().toLowerCase(java.util.Locale.ROOT) + "["
          + String.join(",", in.dims()) + "]";
      if (t == null) {
        throw new KilnException("missing input '" + in.name() + "' (" + declared + ")");
      }
      int[] shape = t.shape();
      if (shape.length != in.dims().size()) {
        throw new KilnException("input '" + in.name() + "' has shape " + Tensor.shapeString(shape)
            + ", expected " + declared);
      }
      for (int i = 0; i < shape.length; i++) {
        String d = in.dims().get(i);
        int dimIndex = dimIndex(d);
        if (dimIndex < 0) {
          if (shape[i] != Integer.parseInt(d)) {
            throw new KilnException("input '" + in.name() + "' has shape "
                + Tensor.shapeString(shape) + ", expected " + declared);
          }
          continue;
        }
        if (shape[i] < 1) {
          throw new KilnException(
              "input '" + in.name() + "' has " + d + " = " + shape[i] + "; it must be at least 1");
        }
        if (dimValues[dimIndex] < 0) {
          int max = spec.dims().get(dimIndex).max();
          if (max > 0 && shape[i] > max) {
            throw new KilnException("input '" + in.name() + "' has " + d + " = " + shape[i]
                + ", above the maximum " + max + " of model " + spec.name());
          }
          dimValues[dimIndex] = shape[i];
          boundBy[dimIndex] = in.name();
        } else if (dimValues[dimIndex] != shape[i]) {
          throw new KilnException("input '" + in.name() + "' has " + d + " = " + shape[i]
              + ", but input '" + boundBy[dimIndex] + "' has " + d + " = " + dimValues[dimIndex]);
        }
      }
      data[k] = convertInput(in, t);
    }
    for (int i = 0; i < dimValues.length; i++) {
      if (dimValues[i] < 0) {
        throw new KilnException(
            "no input determines run-time dim " + spec.dims().get(i).name());
      }
    }
    return data;
  }

  private int dimIndex(String name) {
    for (int j = 0; j < spec.dims().size(); j++) {
      if (spec.dims().get(j).name().equals(name)) {
        return j;
      }
    }
    return -1;
  }

  /** The raw array generated code reads for an input: int[] for ids, this precision's array for floats. */
  protected Object convertInput(ModelSpec.InputSpec in, Tensor t) {
    if (in.dtype() == Tensor.DType.I32) {
      if (!(t instanceof Tensor.I32 ids)) {
        throw new KilnException(
            "input '" + in.name() + "' must hold integers (i32), got " + t.dtype());
      }
      return ids.data();
    }
    return floatInput(in, t);
  }

  protected abstract Object floatInput(ModelSpec.InputSpec in, Tensor t);

  @Override
  public Map<String, Tensor> parameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (ModelSpec.ParamSpec p : spec.params()) {
      out.put(p.name(), copyParameter(p, false));
    }
    return out;
  }

  @Override
  public Map<String, Tensor> gradients() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (ModelSpec.ParamSpec p : spec.params()) {
      out.put(p.name(), copyParameter(p, true));
    }
    return out;
  }

  protected abstract Tensor copyParameter(ModelSpec.ParamSpec p, boolean gradient);

  protected abstract void writeParameter(ModelSpec.ParamSpec p, Tensor t);

  @Override
  public void setParameters(Map<String, Tensor> tensors, String source) {
    for (ModelSpec.ParamSpec p : spec.params()) {
      Tensor t = tensors.get(p.name());
      if (t == null) {
        throw new KilnException(source + ": missing tensor '" + p.name() + "' "
            + Tensor.shapeString(p.shape()) + " needed by model " + spec.name());
      }
      if (!java.util.Arrays.equals(t.shape(), p.shape())) {
        throw new KilnException(
            source + ": tensor '" + p.name() + "' has shape " + Tensor.shapeString(t.shape())
                + ", but model " + spec.name() + " needs " + Tensor.shapeString(p.shape()));
      }
      if (t.dtype() == Tensor.DType.I32) {
        throw new KilnException(
            source + ": tensor '" + p.name() + "' holds integers; weights must be floating point");
      }
    }
    for (String name : tensors.keySet()) {
      if (spec.param(name) == null) {
        throw new KilnException(
            source + ": tensor '" + name + "' is not a parameter of model " + spec.name());
      }
    }
    for (ModelSpec.ParamSpec p : spec.params()) {
      writeParameter(p, tensors.get(p.name()));
    }
  }

  @Override
  public void load(java.nio.file.Path file) {
    try (dev.kiln.runtime.io.SafetensorsFile f = dev.kiln.runtime.io.Safetensors.open(file)) {
      for (String name : f.tensors().keySet()) {
        if (spec.param(name) == null) {
          throw new KilnException(file + ": tensor '" + name + "' is not a parameter of model "
              + spec.name() + " (is this checkpoint for another model or configuration?)");
        }
      }
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (ModelSpec.ParamSpec p : spec.params()) {
        dev.kiln.runtime.io.TensorInfo info = f.tensors().get(p.name());
        if (info == null) {
          throw new KilnException(file + ": missing tensor '" + p.name() + "' "
              + Tensor.shapeString(p.shape()) + " needed by model " + spec.name());
        }
        long[] shape = info.shape();
        boolean same = shape.length == p.shape().length;
        for (int i = 0; same && i < shape.length; i++) {
          same = shape[i] == p.shape()[i];
        }
        if (!same) {
          throw new KilnException(file + ": tensor '" + p.name() + "' has shape "
              + java.util.Arrays.toString(shape).replace(" ", "") + ", but model " + spec.name()
              + " needs " + Tensor.shapeString(p.shape()));
        }
        tensors.put(
            p.name(), precision() == Tensor.DType.F64 ? f.readF64(p.name()) : f.readF32(p.name()));
      }
      setParameters(tensors, file.toString());
    }
  }

  @Override
  public void save(java.nio.file.Path file) {
    dev.kiln.runtime.io.Safetensors.write(
        file, parameters(), Map.of("format", "pt", "kiln.model", spec.name()));
  }

  /** Checks that an arena of {@code size} elements fits a Java array. */
  protected final int arenaLength(long size) {
    if (size > Integer.MAX_VALUE - 16) {
      StringBuilder dims = new StringBuilder();
      for (int i = 0; i < dimValues.length; i++) {
        dims.append(i == 0 ? "" : ", ")
            .append(spec.dims().get(i).name())
            .append('=')
            .append(dimValues[i]);
      }
      throw new KilnException("model " + spec.name() + " needs " + size + " activation elements at "
          + dims + ", more than one Java array holds; use a smaller batch or sequence");
    }
    return (int) size;
  }
}
