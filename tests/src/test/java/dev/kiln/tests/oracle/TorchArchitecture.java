package dev.kiln.tests.oracle;

import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** A PyTorch re-implementation of one Kiln architecture, on Kiln's parameter names. */
interface TorchArchitecture {
  /**
   * The graph-connected results of one forward: the model's outputs by Kiln name (the oracle may add
   * ones the model does not declare; those are not compared) and the loss (null if it has none).
   */
  record Outputs(Map<String, Tensor> outputs, Tensor loss) {
    /** One output named {@code logits} (none if null) and the loss. */
    Outputs(Tensor logits, Tensor loss) {
      this(logits == null ? Map.of() : Map.of("logits", logits), loss);
    }
  }

  /**
   * Forward in eval mode (dropout off), from {@code params} and {@code inputs} (integers as int64);
   * {@code spec} gives the configuration the .model file declares (heads, layers, eps, ...).
   */
  Outputs forward(TorchParams params, Map<String, Tensor> inputs, ModelSpec spec);

  /** A configuration value of the model, e.g. {@code heads}. */
  static Number config(ModelSpec spec, String key) {
    Object v = spec.config().get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(
          "model " + spec.name() + " has no numeric config '" + key + "': " + spec.config());
    }
    return n;
  }
}
