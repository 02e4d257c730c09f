package dev.kiln.processor;

import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.passes.MemoryPlan;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The compile-time note of a model's size: parameters, gradients, optimiser state and activations. */
final class Summary {
  private Summary() {}

  /**
   * E.g. {@code model TinyGpt: 1,234 parameters (4.8 KiB), gradients 4.8 KiB, AdamW state 9.6 KiB;
   * activations 1216*B*T + 64*T floats = 2.4 MiB at B=8, T=256}. {@code planDims} ("B=8,T=256")
   * chooses the run-time dims of the example; by default each dim's bound, or 1.
   */
  private static Integer positive(String s) {
    try {
      int v = Integer.parseInt(s);
      return v > 0 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String of(Pipeline.Compiled c, String planDims) {
    Map<String, Integer> dims = new LinkedHashMap<>();
    for (RuntimeDim d : c.graph().dims()) {
      dims.put(d.name(), d.max() > 0 ? d.max() : d.name().equals("B") ? 8 : 1);
    }
    StringBuilder ignored = new StringBuilder();
    if (planDims != null) {
      for (String kv : planDims.split(",")) {
        String[] parts = kv.split("=");
        Integer value = parts.length == 2 ? positive(parts[1].strip()) : null;
        if (value != null) {
          if (dims.containsKey(parts[0].strip())) { // a dim of other models is no error here
            dims.put(parts[0].strip(), value);
          }
        } else if (!kv.isBlank()) {
          ignored
              .append(ignored.isEmpty() ? "" : ", ")
              .append('\'')
              .append(kv.strip())
              .append('\'');
        }
      }
    }
    MemoryPlan plan = c.plan();
    long params = c.graph().parameterCount();
    long bytes = 4 * plan.parameterCount();
    StringBuilder at = new StringBuilder();
    dims.forEach(
        (k, v) -> at.append(at.isEmpty() ? "" : ", ").append(k).append('=').append(v));
    String note = String.format(
        Locale.ROOT,
        "model %s: %,d parameters (%s), gradients %s, AdamW state %s; activations %s floats = %s at %s",
        c.graph().name(),
        params,
        bytes(bytes),
        bytes(bytes),
        bytes(2 * bytes),
        plan.formula(),
        bytes(4 * plan.arenaSize(dims)),
        at.isEmpty() ? "any size" : at);
    return ignored.isEmpty()
        ? note
        : note + " (-A" + KilnProcessor.OPTION_PLAN_DIMS + " ignores " + ignored
            + ": expected NAME=positive integer)";
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
