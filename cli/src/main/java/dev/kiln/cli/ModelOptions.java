package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.stdlib.Stdlib;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a command names a model: a {@code .model} file, which model in it, and configuration overrides. */
final class ModelOptions {
  @Option(names = "--name", description = "which model of the file (when it declares several)")
  String name;

  @Option(
      names = "--set",
      description = "override a model parameter, e.g. --set layers=4 (repeatable)",
      paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  /** Resolves {@code model} (a standard-library name or a path to a .model file) and compiles it with the overrides. */
  ModelCompiler.Compiled compile(String model) {
    Stdlib.Entry entry = Stdlib.find(model);
    if (entry != null) {
      Path file = Stdlib.extractModel(entry, ModelCompiler.cacheRoot().resolve("stdlib"));
      Map<String, String> merged = new LinkedHashMap<>();
      for (String kv : entry.config().split(",")) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          merged.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
      }
      merged.putAll(sets); // --set wins over the size's preset
      String config = ModelCompiler.configText(merged);
      return ModelCompiler.compile(file, name != null ? name : entry.model(), config);
    }
    Path file = Path.of(model);
    if (!Files.exists(file)) {
      String hint = model.endsWith(".model")
          ? ""
          : "; standard-library models: "
              + String.join(", ", Stdlib.all().stream().map(Stdlib.Entry::name).toList());
      throw new KilnException("no model file or standard-library model '" + model + "'" + hint);
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new KilnException("cannot read model file '" + model + "'");
    }
    return ModelCompiler.compile(file, name, ModelCompiler.configText(sets));
  }
}
