package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a command names a model: a {@code .model} file, which model in it, and configuration overrides. */
final class ModelOptions {
  @Option(names = "--name", description = "which model of the file (when it declares several)")
  String name;

  @Option(names = "--set", description = "override a model parameter, e.g. --set layers=4 (repeatable)", paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  /** Resolves {@code model} (a path to a .model file) and compiles it with the overrides. */
  ModelCompiler.Compiled compile(String model) {
    Path file = Path.of(model);
    if (!Files.exists(file)) {
      throw new KilnException("no model file '" + model + "'" + (model.endsWith(".model") ? "" : " (give a path to a .model file)"));
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new KilnException("cannot read model file '" + model + "'");
    }
    return ModelCompiler.compile(file, name, ModelCompiler.configText(sets));
  }
}
