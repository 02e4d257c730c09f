package dev.kiln.runtime.model;

import dev.kiln.runtime.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static description of a generated model: configuration, run-time dims, inputs, outputs and
 * parameters with shapes, offsets and initialisers. Generated code builds one as a constant.
 */
public record ModelSpec(
    String name,
    String source,
    Map<String, Object> config,
    List<DimSpec> dims,
    List<InputSpec> inputs,
    List<OutputSpec> outputs,
    List<ParamSpec> params,
    String loss,
    long parameterCount) {

  public ModelSpec {
    config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    dims = List.copyOf(dims);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    params = List.copyOf(params);
  }

  /** A run-time dim and its upper bound (0: none); {@code bound} names where the bound comes from. */
  public record DimSpec(String name, int max) {}

  /**
   * An input: its dtype and dims, each a run-time dim name or a static size. For integer inputs,
   * {@code bound} is the exclusive upper bound of valid values where the model implies one (the rows
   * of the embedding table ids index, the classes targets choose from), {@code "<=T"} for lengths
   * (values 1..T), else null.
   */
  public record InputSpec(String name, Tensor.DType dtype, List<String> dims, String bound) {
    public InputSpec {
      dims = List.copyOf(dims);
    }
  }

  public InputSpec input(String name) {
    for (InputSpec in : inputs) {
      if (in.name().equals(name)) {
        return in;
      }
    }
    return null;
  }

  /** An output: its dims like an input's. */
  public record OutputSpec(String name, List<String> dims) {
    public OutputSpec {
      dims = List.copyOf(dims);
    }
  }

  /** A parameter: name, static shape, offset in the flat buffer, initialiser, weight-decay flag. */
  public record ParamSpec(String name, int[] shape, long offset, Init init, boolean decay) {
    public long size() {
      return Tensor.count(shape);
    }
  }

  public ParamSpec param(String name) {
    for (ParamSpec p : params) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  public OutputSpec output(String name) {
    for (OutputSpec o : outputs) {
      if (o.name().equals(name)) {
        return o;
      }
    }
    return null;
  }

  public static Builder builder(String name, String source) {
    return new Builder(name, source);
  }

  /** Fluent construction for generated code. */
  public static final class Builder {
    private final String name;
    private final String source;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private final List<DimSpec> dims = new ArrayList<>();
    private final List<InputSpec> inputs = new ArrayList<>();
    private final List<OutputSpec> outputs = new ArrayList<>();
    private final List<ParamSpec> params = new ArrayList<>();
    private String loss;
    private long count;

    Builder(String name, String source) {
      this.name = name;
      this.source = source;
    }

    public Builder config(String key, Object value) {
      config.put(key, value);
      return this;
    }

    public Builder dim(String dimName, int max) {
      dims.add(new DimSpec(dimName, max));
      return this;
    }

    public Builder input(String inputName, Tensor.DType dtype, String... inputDims) {
      inputs.add(new InputSpec(inputName, dtype, List.of(inputDims), null));
      return this;
    }

    /** Records the exclusive upper bound of an integer input's values (a size or a dim name). */
    public Builder inputBound(String inputName, String bound) {
      for (int i = 0; i < inputs.size(); i++) {
        InputSpec in = inputs.get(i);
        if (in.name().equals(inputName)) {
          inputs.set(i, new InputSpec(in.name(), in.dtype(), in.dims(), bound));
        }
      }
      return this;
    }

    public Builder output(String outputName, String... outputDims) {
      outputs.add(new OutputSpec(outputName, List.of(outputDims)));
      return this;
    }

    public Builder param(String paramName, long offset, Init init, boolean decay, int... shape) {
      ParamSpec p = new ParamSpec(paramName, shape, offset, init, decay);
      params.add(p);
      count = Math.max(count, offset + p.size());
      return this;
    }

    public Builder loss(String lossName) {
      this.loss = lossName;
      return this;
    }

    /** Total size of the parameter buffer (with alignment padding). */
    public Builder parameterCount(long n) {
      this.count = n;
      return this;
    }

    public ModelSpec build() {
      return new ModelSpec(name, source, config, dims, inputs, outputs, params, loss, count);
    }
  }
}
