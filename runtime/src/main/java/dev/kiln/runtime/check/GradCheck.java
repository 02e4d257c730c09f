package dev.kiln.runtime.check;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a generated backward pass against central finite differences computed in double precision.
 *
 * <p>The float32 model's analytic gradients are compared with {@code (L(p+h) - L(p-h)) / 2h}
 * evaluated by the model's float64 twin (same generated schedule, double-precision reference
 * kernels, the same weights and the same dropout masks). For each parameter tensor the error is
 * {@code max |g - fd| / max |fd|} over the checked elements (every element of small tensors, a seeded
 * sample of large ones); the check passes when every tensor's error is below the tolerance.
 */
public final class GradCheck {
  private GradCheck() {}

  /** One parameter tensor's result. */
  public record TensorResult(String name, int[] shape, int checked, double maxAbsError, double scale, double relError, double relErrorF64) {}

  /** All tensors' results; {@code maxRelError} is the largest {@code relError}. */
  public record Report(List<TensorResult> tensors, double maxRelError, double tolerance) {
    public boolean passed() {
      return maxRelError < tolerance && !Double.isNaN(maxRelError);
    }

    /** The last line the CLI prints: {@code gradcheck: max_rel_err=<x> params=<n> PASS|FAIL}. */
    public String verdict() {
      return String.format(java.util.Locale.ROOT, "gradcheck: max_rel_err=%.3e params=%d %s", maxRelError, tensors.size(), passed() ? "PASS" : "FAIL");
    }
  }

  /** Options: RNG seed, elements checked per tensor, finite-difference step, tolerance, dropout on. */
  public record Options(long seed, int samplesPerTensor, double step, double tolerance, boolean training) {
    public static Options defaults() {
      return new Options(1234, 12, 1e-5, 1e-3, true);
    }
  }

  public static Report run(Model f32, Model f64, Map<String, Tensor> inputs, Options o) {
    if (f32.spec().loss() == null) {
      throw new KilnException("model " + f32.spec().name() + " has no scalar loss output to differentiate");
    }
    f32.initialize(o.seed());
    f64.setParameters(f32.parameters(), "gradcheck");
    long dropoutSeed = Rng.derive(o.seed(), "gradcheck-dropout");
    f32.setRandomState(dropoutSeed, 0);
    f32.zeroGrad();
    f32.forward(inputs, o.training());
    f32.backward();
    f64.setRandomState(dropoutSeed, 0);
    f64.zeroGrad();
    f64.forward(inputs, o.training());
    f64.backward();
    List<TensorResult> results = new ArrayList<>();
    double worst = 0;
    for (ModelSpec.ParamSpec p : f32.spec().params()) {
      long n = p.size();
      long[] idx = indices(n, o.samplesPerTensor(), Rng.derive(o.seed(), p.name()));
      double maxErr = 0;
      double maxErr64 = 0;
      double scale = 0;
      for (long i : idx) {
        long at = p.offset() + i;
        double p0 = f64.parameter(at);
        double h = o.step() * Math.max(1.0, Math.abs(p0));
        f64.setParameter(at, p0 + h);
        f64.setRandomState(dropoutSeed, 0);
        f64.forward(inputs, o.training());
        double lp = f64.loss();
        f64.setParameter(at, p0 - h);
        f64.setRandomState(dropoutSeed, 0);
        f64.forward(inputs, o.training());
        double lm = f64.loss();
        f64.setParameter(at, p0);
        double fd = (lp - lm) / (2 * h);
        maxErr = Math.max(maxErr, Math.abs(f32.gradient(at) - fd));
        maxErr64 = Math.max(maxErr64, Math.abs(f64.gradient(at) - fd));
        scale = Math.max(scale, Math.abs(fd));
      }
      double denom = Math.max(scale, 1e-7);
      double rel = maxErr / denom;
      results.add(new TensorResult(p.name(), p.shape(), idx.length, maxErr, scale, rel, maxErr64 / denom));
      worst = Double.isNaN(rel) ? Double.NaN : Math.max(worst, rel);
    }
    return new Report(results, worst, o.tolerance());
  }

  /** Every index when {@code n <= k}, else {@code k} distinct seeded indices. */
  static long[] indices(long n, int k, long seed) {
    if (n <= k) {
      long[] all = new long[(int) n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    java.util.LinkedHashSet<Long> chosen = new java.util.LinkedHashSet<>();
    for (long j = 0; chosen.size() < k; j++) {
      chosen.add(Math.floorMod(Rng.bits(seed, j), n));
    }
    return chosen.stream().mapToLong(Long::longValue).toArray();
  }
}
