package dev.kiln.tests.oracle;

import dev.kiln.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Kiln's named parameters as float64 autograd leaves in libtorch, and their gradients read back;
 * values can also be loaded into torch.nn modules' own parameters, with gradients carried back.
 */
final class TorchParams {
  private final Map<String, org.bytedeco.pytorch.Tensor> leaves;
  /** Module parameters loaded by {@link #load}, and the leaf expressions they were copied from. */
  private final List<org.bytedeco.pytorch.Tensor> slots = new ArrayList<>();

  private final List<org.bytedeco.pytorch.Tensor> sources = new ArrayList<>();

  private TorchParams(Map<String, org.bytedeco.pytorch.Tensor> leaves) {
    this.leaves = leaves;
  }

  /** One leaf per Kiln parameter, same name and shape, requiring grad. */
  static TorchParams leaves(Map<String, Tensor> params) {
    Map<String, org.bytedeco.pytorch.Tensor> leaves = new LinkedHashMap<>();
    params.forEach((name, t) -> {
      org.bytedeco.pytorch.Tensor leaf = TorchOracle.toTorch(t);
      leaf.set_requires_grad(true);
      leaves.put(name, leaf);
    });
    return new TorchParams(leaves);
  }

  /** The leaf named {@code name}; a name Kiln does not have is a bug in the oracle, so it throws. */
  org.bytedeco.pytorch.Tensor get(String name) {
    org.bytedeco.pytorch.Tensor t = leaves.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "no parameter '" + name + "' in the Kiln model; it has " + leaves.keySet());
    }
    return t;
  }

  /**
   * Copies {@code source}, an expression of leaves already in the module's layout (e.g. a transposed
   * Kiln weight), into the module parameter {@code slot}, as {@code load_state_dict} would. The module
   * computes with its own leaf, so {@link #backwardThroughModules} later sends the slot's gradient
   * back through {@code source} to the Kiln leaves (the chain rule, exactly).
   */
  @SuppressWarnings("try") // the guard is used only for its scope
  void load(String slotName, org.bytedeco.pytorch.Tensor slot, org.bytedeco.pytorch.Tensor source) {
    if (!Arrays.equals(shape(slot), shape(source))) {
      throw new IllegalArgumentException("module parameter " + slotName + " is "
          + Arrays.toString(shape(slot)) + ", the Kiln value " + Arrays.toString(shape(source)));
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      slot.copy_(source);
    }
    slots.add(slot);
    sources.add(source);
  }

  /** After the loss's backward: d(loss)/d(source) = the slot's gradient, for every loaded slot. */
  void backwardThroughModules() {
    if (slots.isEmpty()) {
      return;
    }
    TensorVector grads = new TensorVector();
    for (org.bytedeco.pytorch.Tensor slot : slots) {
      if (!slot.grad().defined()) {
        throw new IllegalStateException("a loaded module parameter received no gradient");
      }
      grads.push_back(slot.grad());
    }
    TensorVector outputs = new TensorVector(sources.toArray(new org.bytedeco.pytorch.Tensor[0]));
    torch.backward(outputs, grads, new BoolOptional(), false, new TensorVector());
  }

  /** Gradients after backward; a leaf the oracle never used has none, which is an error too. */
  Map<String, Tensor.F64> gradients() {
    Map<String, Tensor.F64> out = new LinkedHashMap<>();
    leaves.forEach((name, leaf) -> {
      org.bytedeco.pytorch.Tensor g = leaf.grad();
      if (!g.defined()) {
        throw new IllegalStateException("the PyTorch oracle never used parameter '" + name + "'");
      }
      out.put(name, TorchOracle.toKiln(g));
    });
    return out;
  }

  private static long[] shape(org.bytedeco.pytorch.Tensor t) {
    long[] out = new long[Math.toIntExact(t.dim())];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.size(i);
    }
    return out;
  }
}
