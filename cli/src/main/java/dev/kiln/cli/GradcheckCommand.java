package dev.kiln.cli;

import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.GradCheck;
import dev.kiln.runtime.check.RandomInputs;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln gradcheck MODEL}: the generated backward against double-precision finite differences. */
@Command(
    mixinStandardHelpOptions = true,
    name = "gradcheck",
    description =
        "Check every parameter gradient against central finite differences in double precision.")
final class GradcheckCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "MODEL", description = "a .model file")
  String modelFile;

  @Mixin
  ModelOptions model;

  @Option(
      names = "--dim",
      description = "run-time dim for the check, e.g. --dim B=2 --dim T=8",
      paramLabel = "NAME=SIZE")
  Map<String, Integer> dims = new LinkedHashMap<>();

  @Option(names = "--seed", defaultValue = "1234")
  long seed;

  @Option(
      names = "--samples",
      defaultValue = "12",
      description = "elements checked per parameter tensor (default ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--tolerance", defaultValue = "1e-3")
  double tolerance;

  @Option(names = "--no-dropout", description = "check with dropout off (eval mode)")
  boolean noDropout;

  @Override
  public Integer call() {
    ModelCompiler.Compiled c = model.compile(modelFile);
    Model f32 = c.newModel();
    Model f64 = c.newModelF64();
    Map<String, Integer> d = new LinkedHashMap<>(dims);
    d.putIfAbsent("B", 2);
    Map<String, Tensor> inputs = RandomInputs.make(f32.spec(), d, seed);
    GradCheck.Options o = new GradCheck.Options(seed, samples, 1e-4, tolerance, !noDropout);
    GradCheck.Report r = GradCheck.run(f32, f64, inputs, o);
    System.out.printf(
        Locale.ROOT,
        "%-36s %-14s %7s %6s %11s %11s %10s %10s%n",
        "parameter",
        "shape",
        "checked",
        "kinks",
        "max|fd|",
        "max|g-fd|",
        "rel(f32)",
        "rel(f64)");
    for (GradCheck.TensorResult t : r.tensors()) {
      System.out.printf(
          Locale.ROOT,
          "%-36s %-14s %7d %6d %11.3e %11.3e %10.2e %10.2e%n",
          t.name(),
          Tensor.shapeString(t.shape()),
          t.checked(),
          t.nonSmooth(),
          t.scale(),
          t.maxAbsError(),
          t.relError(),
          t.relErrorF64());
    }
    System.out.println(r.verdict());
    return r.passed() ? 0 : 1;
  }
}
