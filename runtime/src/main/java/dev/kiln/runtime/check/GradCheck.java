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
 * <p>The float32 model's analytic gradients are compared with finite differences of the loss
 * evaluated by the model's float64 twin (same generated schedule, double-precision reference
 * kernels, the same weights and the same dropout masks). The difference is the fourth-order central
 * stencil {@code (8(L(p+h) - L(p-h)) - (L(p+2h) - L(p-2h))) / 12h}, whose rounding noise is small
 * enough for gradients of 1e-8. An element where the stencils at {@code h} and {@code h/4} disagree
 * sits on a kink of the loss (a ReLU switching, a max changing) where no derivative exists; it is
 * excluded and counted, never compared.
 *
 * <p>For each parameter tensor the error is {@code max |g - fd| / max(max |fd|, 1e-4 · G)} over the
 * checked elements (every element of small tensors, a seeded sample of large ones), where G is the
 * largest finite-difference gradient of the whole model, so a tensor whose gradient is negligible next
 * to the model's is judged on the model's scale. The check passes when every tensor's error is below
 * the tolerance.
 */
public final class GradCheck {
  private GradCheck() {}

  /** One parameter tensor's result. */
  public record TensorResult(
      String name,
      int[] shape,
      int checked,
      int nonSmooth,
      double maxAbsError,
      double scale,
      double relError,
      double relErrorF64) {}

  /** All tensors' results; {@code maxRelError} is the largest {@code relError}. */
  public record Report(List<TensorResult> tensors, double maxRelError, double tolerance) {
    public boolean passed() {
      return maxRelError < tolerance && !Double.isNaN(maxRelError);
    }

    /** The last line the CLI prints: {@code gradcheck: max_rel_err=<x> params=<n> PASS|FAIL}. */
    public String verdict() {
      return String.format(
          java.util.Locale.ROOT,
          "gradcheck: max_rel_err=%.3e params=%d %s",
          maxRelError,
          tensors.size(),
          passed() ? "PASS" : "FAIL");
    }
  }

  /** Options: RNG seed, elements checked per tensor, finite-difference step, tolerance, dropout on. */
  public record Options(
      long seed, int samplesPerTensor, double step, double tolerance, boolean training) {
    public static Options defaults() {
      return new Options(1234, 12, 1e-4, 1e-3, true);
    }
  }

  public static Report run(Model f32, Model f64, Map<String, Tensor> inputs, Options o) {
    if (f32.spec().loss() == null) {
      throw new KilnException(
          "model " + f32.spec().name() + " has no scalar loss output to differentiate");
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
    record Raw(
        ModelSpec.ParamSpec p,
        int checked,
        int nonSmooth,
        double maxErr,
        double maxErr64,
        double scale) {}
    List<Raw> raw = new ArrayList<>();
    double global = 0;
    for (ModelSpec.ParamSpec p : f32.spec().params()) {
      long[] idx = indices(p.size(), o.samplesPerTensor(), Rng.derive(o.seed(), p.name()));
      double maxErr = 0;
      double maxErr64 = 0;
      double scale = 0;
      int nonSmooth = 0;
      for (long i : idx) {
        long at = p.offset() + i;
        double h = o.step() * Math.max(1.0, Math.abs(f64.parameter(at)));
        double fd = stencil(f64, inputs, o, dropoutSeed, at, h);
        double fdFine = stencil(f64, inputs, o, dropoutSeed, at, h / 4);
        if (Math.abs(fd - fdFine) > 1e-3 * Math.max(Math.abs(fd), Math.abs(fdFine)) + 1e-9) {
          nonSmooth++;
          continue;
        }
        maxErr = Math.max(maxErr, Math.abs(f32.gradient(at) - fd));
        maxErr64 = Math.max(maxErr64, Math.abs(f64.gradient(at) - fd));
        scale = Math.max(scale, Math.abs(fd));
      }
      raw.add(new Raw(p, idx.length - nonSmooth, nonSmooth, maxErr, maxErr64, scale));
      global = Math.max(global, scale);
    }
    List<TensorResult> results = new ArrayList<>();
    double worst = 0;
    for (Raw r : raw) {
      double denom = Math.max(Math.max(r.scale(), 1e-4 * global), 1e-12);
      double rel = r.maxErr() / denom;
      results.add(new TensorResult(
          r.p().name(),
          r.p().shape(),
          r.checked(),
          r.nonSmooth(),
          r.maxErr(),
          r.scale(),
          rel,
          r.maxErr64() / denom));
      worst = Double.isNaN(rel) || Double.isNaN(worst) ? Double.NaN : Math.max(worst, rel);
    }
    return new Report(results, worst, o.tolerance());
  }

  /** The fourth-order central difference of the loss in parameter {@code at} with step {@code h}. */
  private static double stencil(
      Model m, Map<String, Tensor> inputs, Options o, long dropoutSeed, long at, double h) {
    double p0 = m.parameter(at);
    double[] loss = new double[4];
    double[] offsets = {h, -h, 2 * h, -2 * h};
    for (int k = 0; k < 4; k++) {
      m.setParameter(at, p0 + offsets[k]);
      m.setRandomState(dropoutSeed, 0);
      m.forward(inputs, o.training());
      loss[k] = m.loss();
    }
    m.setParameter(at, p0);
    return (8 * (loss[0] - loss[1]) - (loss[2] - loss[3])) / (12 * h);
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
