package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.io.LlmcCheckpoint;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code --weights FILE}: a Kiln safetensors file whose names are exactly the model's parameters
 * loads strictly (every name and shape checked); anything else, such as a HuggingFace
 * {@code model.safetensors} or an ONNX export, goes through {@link Pretrained}, which maps names and
 * layouts and reports what it left out; an llm.c GPT-2 {@code .bin} is recognised by its magic number.
 */
final class Weights {
  private Weights() {}

  static void load(Model m, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new KilnException("weights file " + file + " does not exist");
    }
    if (LlmcCheckpoint.isLlmc(file)) {
      Pretrained.Result r = Pretrained.set(m, LlmcCheckpoint.read(file), file.toString());
      System.err.printf("imported %d parameters from llm.c file %s%n", r.parameters(), file);
      return;
    }
    if (!file.getFileName().toString().endsWith(".onnx") && sameNames(m.spec(), file)) {
      m.load(file);
      return;
    }
    Pretrained.Result r = Pretrained.load(m, file);
    System.err.printf(
        "imported %d parameters from %s%s%s%n",
        r.parameters(),
        file,
        r.transposed() ? " (linear weights stored [out, in], transposed)" : "",
        r.unused().isEmpty()
            ? ""
            : "; not used: "
                + String.join(", ", r.unused().subList(0, Math.min(6, r.unused().size())))
                + (r.unused().size() > 6 ? " and " + (r.unused().size() - 6) + " more" : ""));
  }

  /** Whether Kiln wrote the file, or it names exactly the model's parameters: then any difference is a mistake to report. */
  private static boolean sameNames(ModelSpec spec, Path file) {
    try (SafetensorsFile f = Safetensors.open(file)) {
      Set<String> params =
          spec.params().stream().map(ModelSpec.ParamSpec::name).collect(Collectors.toSet());
      return f.metadata().containsKey("kiln.model") || f.tensors().keySet().equals(params);
    }
  }
}
