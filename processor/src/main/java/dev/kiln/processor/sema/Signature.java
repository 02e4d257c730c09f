package dev.kiln.processor.sema;

import java.util.List;

/**
 * The parameters of a built-in op as a user calls it: positional order, names, kinds and defaults.
 * {@code variadic} ops (concat) take any number of leading tensors.
 */
record Signature(String op, List<Parameter> params, boolean variadic, String doc) {

  enum Kind {
    TENSOR("a tensor"),
    INT("an integer"),
    FLOAT("a number"),
    BOOL("true or false"),
    STRING("a string"),
    MASK("a mask"),
    INIT("an initialiser such as normal(0.02)"),
    WEIGHT("a weight such as tok.weight or tok.weight^T"),
    DIM("a run-time dim such as T"),
    SHAPE("a list of sizes such as [d, 4 * d]");

    final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /** One parameter; {@code required} ones have no default. */
  record Parameter(String name, Kind kind, boolean required) {}

  static Parameter req(String name, Kind kind) {
    return new Parameter(name, kind, true);
  }

  static Parameter opt(String name, Kind kind) {
    return new Parameter(name, kind, false);
  }

  Parameter param(String name) {
    for (Parameter p : params) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  List<String> names() {
    return params.stream().map(Parameter::name).toList();
  }
}
