package dev.kiln.tests.oracle;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Runs a {@link TorchArchitecture} in libtorch (JavaCPP presets) on Kiln's parameters and inputs, in
 * float64, and hands back its logits, loss and autograd gradients as Kiln tensors.
 */
final class TorchOracle {
  /** Milliseconds spent unpacking and loading libtorch, once per JVM. */
  static final long LOAD_MILLIS;

  static {
    long start = System.nanoTime();
    Loader.load(torch.class);
    // The test tensors are tiny: one intra-op thread is fastest, deterministic, and leaves no
    // OpenMP pool spinning beside Kiln's own worker threads.
    torch.set_num_threads(1);
    LOAD_MILLIS = (System.nanoTime() - start) / 1_000_000;
  }

  private TorchOracle() {}

  /** What PyTorch computed: outputs by name, loss (NaN if none), gradients by name (none without a loss). */
  record Result(Map<String, Tensor.F64> outputs, double loss, Map<String, Tensor.F64> gradients) {
    /** The output named {@code logits}, null where the architecture has none. */
    Tensor.F64 logits() {
      return outputs.get("logits");
    }
  }

  /** Forward, and backward where there is a loss, of {@code arch} on copies of {@code params} and {@code inputs}. */
  @SuppressWarnings("try") // the scope is used only for closing
  static Result run(
      TorchArchitecture arch,
      ModelSpec spec,
      Map<String, Tensor> params,
      Map<String, Tensor> inputs) {
    // Every native tensor made in here (leaves, activations, graph, modules) is freed when the
    // scope closes.
    try (PointerScope scope = new PointerScope()) {
      TorchParams p = TorchParams.leaves(params);
      Map<String, org.bytedeco.pytorch.Tensor> in = new LinkedHashMap<>();
      inputs.forEach((name, t) -> in.put(name, toTorch(t)));
      TorchArchitecture.Outputs out = arch.forward(p, in, spec);
      Map<String, Tensor.F64> outputs = new LinkedHashMap<>();
      out.outputs().forEach((name, t) -> outputs.put(name, toKiln(t)));
      if (out.loss() == null) {
        return new Result(outputs, Double.NaN, Map.of());
      }
      out.loss().backward();
      p.backwardThroughModules();
      return new Result(outputs, out.loss().item_double(), p.gradients());
    }
  }

  /** A copy of a Kiln tensor: floats widened to float64, integers to int64 (what indexing ops take). */
  static org.bytedeco.pytorch.Tensor toTorch(Tensor t) {
    long[] shape = longShape(t.shape());
    int n = Math.toIntExact(t.size());
    switch (t) {
      case Tensor.I32 ints -> {
        long[] data = new long[n];
        for (int i = 0; i < n; i++) {
          data[i] = ints.data()[i];
        }
        org.bytedeco.pytorch.Tensor out =
            torch.zeros(shape, new TensorOptions(torch.ScalarType.Long));
        out.data_ptr_long().put(data);
        return out;
      }
      case Tensor.F32 f -> {
        return doubles(shape, widen(f.data()));
      }
      case Tensor.F64 d -> {
        return doubles(shape, d.data());
      }
    }
  }

  /** A float64 tensor of {@code shape} holding a copy of {@code data}. */
  static org.bytedeco.pytorch.Tensor doubles(long[] shape, double[] data) {
    org.bytedeco.pytorch.Tensor out =
        torch.zeros(shape, new TensorOptions(torch.ScalarType.Double));
    out.data_ptr_double().put(data);
    return out;
  }

  /** A float64 Kiln copy of a torch tensor (detached, made contiguous first). */
  static Tensor.F64 toKiln(org.bytedeco.pytorch.Tensor t) {
    org.bytedeco.pytorch.Tensor c = t.detach().to(torch.ScalarType.Double).contiguous();
    int[] shape = new int[Math.toIntExact(c.dim())];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = Math.toIntExact(c.size(i));
    }
    double[] data = new double[Math.toIntExact(c.numel())];
    c.data_ptr_double().get(data);
    return new Tensor.F64(shape, data);
  }

  /** max|a − b| / max|b| over one tensor; the absolute difference where b is all zero. */
  static double relError(Tensor a, Tensor b) {
    return relError(a, b, 0);
  }

  /**
   * max|a − b| / max(max|b|, floor): the floor keeps a tensor that is zero in exact arithmetic from
   * turning rounding noise into a huge relative error.
   */
  static double relError(Tensor a, Tensor b, double floor) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException("sizes differ: " + a.size() + " vs " + b.size());
    }
    double diff = 0;
    double scale = 0;
    for (long i = 0; i < a.size(); i++) {
      diff = Math.max(diff, Math.abs(a.get(i) - b.get(i)));
      scale = Math.max(scale, Math.abs(b.get(i)));
    }
    scale = Math.max(scale, floor);
    return scale == 0 ? diff : diff / scale;
  }

  /** max|t| over every element of every tensor. */
  static double maxAbs(Iterable<? extends Tensor> tensors) {
    double m = 0;
    for (Tensor t : tensors) {
      for (long i = 0; i < t.size(); i++) {
        m = Math.max(m, Math.abs(t.get(i)));
      }
    }
    return m;
  }

  private static long[] longShape(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }

  private static double[] widen(float[] data) {
    double[] out = new double[data.length];
    for (int i = 0; i < data.length; i++) {
      out[i] = data[i];
    }
    return out;
  }
}
