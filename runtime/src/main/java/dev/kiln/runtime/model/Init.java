package dev.kiln.runtime.model;

import dev.kiln.runtime.Rng;

/** A parameter initialiser; each element is a pure function of (seed, parameter name, index). */
public sealed interface Init {

  /** Value of element {@code i} of a parameter whose stream is {@code seed}. */
  double sample(long seed, long i);

  static Init normal(double std) {
    return new Normal(std);
  }

  static Init truncatedNormal(double std) {
    return new TruncatedNormal(std);
  }

  static Init uniform(double bound) {
    return new Uniform(bound);
  }

  static Init constant(double value) {
    return new Constant(value);
  }

  /** N(0, std²). */
  record Normal(double std) implements Init {
    @Override
    public double sample(long seed, long i) {
      return std * Rng.normal(seed, i);
    }
  }

  /** N(0, std²) resampled until within two standard deviations (as TensorFlow and BERT do). */
  record TruncatedNormal(double std) implements Init {
    @Override
    public double sample(long seed, long i) {
      for (long attempt = 0; ; attempt++) {
        double z = Rng.normal(Rng.derive(seed, attempt), i);
        if (Math.abs(z) <= 2) {
          return std * z;
        }
      }
    }
  }

  /** U(-bound, bound). */
  record Uniform(double bound) implements Init {
    @Override
    public double sample(long seed, long i) {
      return bound * (2 * Rng.uniform(seed, i) - 1);
    }
  }

  /** A constant (zeros for biases, ones for norm gains). */
  record Constant(double value) implements Init {
    @Override
    public double sample(long seed, long i) {
      return value;
    }
  }
}
