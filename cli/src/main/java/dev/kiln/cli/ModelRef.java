package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.stdlib.Stdlib;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How to rebuild a model: a standard-library name or a {@code .model} path, which model of the file,
 * and configuration overrides. Checkpoints record it so {@code generate}, {@code eval} and
 * {@code --resume} rebuild exactly the trained model.
 */
record ModelRef(String model, String name, Map<String, String> sets) {
  ModelRef {
    sets = Map.copyOf(new LinkedHashMap<>(sets));
  }

  /** From command-line options; a file path is made absolute so a checkpoint can be used from anywhere. */
  static ModelRef of(String model, String name, Map<String, String> sets) {
    if (Stdlib.find(model) == null && Files.exists(Path.of(model))) {
      model = Path.of(model).toAbsolutePath().toString();
    }
    return new ModelRef(model, name, sets);
  }

  ModelRef withSet(String key, String value) {
    Map<String, String> s = new LinkedHashMap<>(sets);
    s.put(key, value);
    return new ModelRef(model, name, s);
  }

  ModelCompiler.Compiled compile() {
    ModelOptions o = new ModelOptions();
    o.name = name;
    o.sets = new LinkedHashMap<>(sets);
    return o.compile(model);
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    if (name != null) {
      m.put("name", name);
    }
    m.put("set", new LinkedHashMap<>(sets));
    return m;
  }

  static ModelRef fromJson(Object o) {
    if (!(o instanceof Map<?, ?> m) || !(m.get("model") instanceof String model)) {
      throw new KilnException(
          "the checkpoint does not say which model it belongs to (no model_ref)");
    }
    Map<String, String> sets = new LinkedHashMap<>();
    if (m.get("set") instanceof Map<?, ?> s) {
      s.forEach((k, v) -> sets.put(String.valueOf(k), String.valueOf(v)));
    }
    return new ModelRef(model, m.get("name") instanceof String n ? n : null, sets);
  }
}
