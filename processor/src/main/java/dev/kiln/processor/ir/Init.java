package dev.kiln.processor.ir;

/** How a parameter is initialised; mirrored by the runtime's {@code Init}. */
public sealed interface Init {
  record Normal(double std) implements Init {
    @Override
    public String toString() {
      return "normal(" + std + ")";
    }
  }

  record TruncatedNormal(double std) implements Init {
    @Override
    public String toString() {
      return "truncated_normal(" + std + ")";
    }
  }

  record Uniform(double bound) implements Init {
    @Override
    public String toString() {
      return "uniform(" + bound + ")";
    }
  }

  record Constant(double value) implements Init {
    @Override
    public String toString() {
      return value == 0 ? "zeros" : value == 1 ? "ones" : "constant(" + value + ")";
    }
  }
}
