package dev.kiln.runtime.train;

/** A learning-rate schedule: the rate for update {@code step} (1-based), given the peak rate. */
public sealed interface Schedule {
  double lr(long step, double peak);

  /** The same rate throughout. */
  record Constant() implements Schedule {
    @Override
    public double lr(long step, double peak) {
      return peak;
    }
  }

  /** Linear warm-up to the peak, then cosine decay to {@code minRatio·peak} at {@code total}. */
  record WarmupCosine(long warmup, long total, double minRatio) implements Schedule {
    @Override
    public double lr(long step, double peak) {
      if (step <= warmup) {
        return peak * step / Math.max(1, warmup);
      }
      double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
      double min = peak * minRatio;
      return min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress));
    }
  }

  /** Linear warm-up, then linear decay to zero at {@code total} (BERT). */
  record WarmupLinear(long warmup, long total) implements Schedule {
    @Override
    public double lr(long step, double peak) {
      if (step <= warmup) {
        return peak * step / Math.max(1, warmup);
      }
      return peak * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }
  }

  /**
   * The Transformer paper's schedule, {@code peak · min(step^-0.5, step · warmup^-1.5) · warmup^0.5}:
   * linear warm-up to {@code peak} at {@code warmup}, then inverse square root. (With
   * {@code peak = d_model^-0.5 · warmup^-0.5} this is exactly the paper's formula.)
   */
  record InverseSqrt(long warmup) implements Schedule {
    @Override
    public double lr(long step, double peak) {
      double s = Math.max(1, step);
      double w = Math.max(1, warmup);
      return peak * Math.sqrt(w) * Math.min(1 / Math.sqrt(s), s * Math.pow(w, -1.5));
    }
  }

  /** Parses {@code constant}, {@code cosine}, {@code linear}, {@code inverse-sqrt}. */
  static Schedule parse(String name, long warmup, long total) {
    return switch (name) {
      case "constant" -> new Constant();
      case "cosine" -> new WarmupCosine(warmup, total, 0.1);
      case "linear" -> new WarmupLinear(warmup, total);
      case "inverse-sqrt", "inverse_sqrt" -> new InverseSqrt(warmup);
      default ->
        throw new IllegalArgumentException(
            "unknown schedule '" + name + "'; use constant, cosine, linear or inverse-sqrt");
    };
  }
}
