package dev.kiln.runtime;

import dev.kiln.runtime.model.ModelSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * The contract every generated model implements: named parameters with shapes, seeded
 * initialisation, forward, backward, gradient reset and safetensors I/O.
 *
 * <p>Usage: {@code forward(inputs, true)} then {@code loss()} then {@code backward()}; gradients
 * accumulate until {@code zeroGrad()}. Run-time dims (B, T) are read from the inputs' shapes on every
 * forward, and buffers grow as needed.
 */
public interface Model {
  /** Static description: config, dims, inputs, outputs, parameters with shapes and offsets. */
  ModelSpec spec();

  /** Element precision of this implementation (F32 for training, F64 for gradient checks). */
  Tensor.DType precision();

  /** Initialises every parameter from its declared scheme; the same seed gives the same weights. */
  void initialize(long seed);

  /** Sets the seed of the dropout streams and the step counter they are derived from. */
  void setRandomState(long seed, long step);

  /** The step counter of the dropout streams (incremented by every training forward). */
  long randomStep();

  /** Runs the forward pass; {@code training} enables dropout and keeps what backward needs. */
  void forward(Map<String, Tensor> inputs, boolean training);

  /** The scalar loss of the last forward; NaN if the model has no loss output. */
  double loss();

  /** A copy of the named output of the last forward. */
  Tensor output(String name);

  /** Accumulates d(loss)/d(parameter) into the gradients, for the last forward (with its dropout, if training). */
  void backward();

  /** Sets every gradient to zero. */
  void zeroGrad();

  /** Number of trainable scalars. */
  long parameterCount();

  /** Parameter scalar {@code i} in the flat layout of {@link ModelSpec#params()}. */
  double parameter(long i);

  void setParameter(long i, double value);

  /** Gradient scalar {@code i}, same layout as the parameters. */
  double gradient(long i);

  /** Copies of all parameters by name (in declaration order). */
  Map<String, Tensor> parameters();

  /** Copies of all gradients by name. */
  Map<String, Tensor> gradients();

  /** Sets parameters from named tensors; every name and shape must match. */
  void setParameters(Map<String, Tensor> tensors, String source);

  /** Loads parameters from a safetensors file; names and shapes must match exactly. */
  void load(Path file);

  /** Saves parameters to a safetensors file, atomically. */
  void save(Path file);
}
