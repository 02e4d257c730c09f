package dev.kiln.runtime.check;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Valid random inputs for a model, from its spec: integer inputs within the bound the model implies
 * (embedding rows, target classes, lengths 1..T), float inputs standard normal.
 */
public final class RandomInputs {
  private RandomInputs() {}

  /** Inputs for run-time dims {@code dims} (e.g. B=2, T=8); missing dims default to their bound or 4. */
  public static Map<String, Tensor> make(ModelSpec spec, Map<String, Integer> dims, long seed) {
    Map<String, Integer> d = new LinkedHashMap<>();
    for (ModelSpec.DimSpec ds : spec.dims()) {
      int v = dims.getOrDefault(ds.name(), ds.max() > 0 ? Math.min(ds.max(), 8) : 4);
      if (ds.max() > 0 && v > ds.max()) {
        throw new KilnException(ds.name() + " = " + v + " is above the maximum " + ds.max()
            + " of model " + spec.name());
      }
      d.put(ds.name(), v);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (ModelSpec.InputSpec in : spec.inputs()) {
      int[] shape = new int[in.dims().size()];
      for (int i = 0; i < shape.length; i++) {
        String name = in.dims().get(i);
        shape[i] = d.containsKey(name) ? d.get(name) : Integer.parseInt(name);
      }
      int n = Math.toIntExact(Tensor.count(shape));
      long stream = Rng.derive(seed, in.name());
      if (in.dtype() == Tensor.DType.I32) {
        int[] data = new int[n];
        String bound = in.bound();
        boolean lengths = bound != null && bound.startsWith("<=");
        int hi = bound == null ? 2 : value(lengths ? bound.substring(2) : bound, d);
        for (int i = 0; i < n; i++) {
          int r = (int) (Rng.uniform(stream, i) * hi);
          data[i] = lengths ? 1 + Math.min(r, hi - 1) : Math.min(r, hi - 1);
        }
        out.put(in.name(), new Tensor.I32(shape, data));
      } else {
        double[] data = new double[n];
        for (int i = 0; i < n; i++) {
          data[i] = Rng.normal(stream, i);
        }
        out.put(in.name(), new Tensor.F64(shape, data));
      }
    }
    return out;
  }

  private static int value(String sizeOrDim, Map<String, Integer> dims) {
    Integer v = dims.get(sizeOrDim);
    return v != null ? v : Integer.parseInt(sizeOrDim);
  }
}
