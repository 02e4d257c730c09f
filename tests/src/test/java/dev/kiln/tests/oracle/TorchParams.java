package dev.kiln.tests.oracle;

import dev.kiln.runtime.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Kiln's named parameters as float64 autograd leaves in libtorch, and their gradients read back. */
final class TorchParams {
  private final Map<String, org.bytedeco.pytorch.Tensor> leaves;

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
}
