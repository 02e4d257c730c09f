package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.io.LlmcCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln convert}: a model's weights (seeded initialisation, or any file {@code --weights}
 * reads: Kiln or HuggingFace safetensors, ONNX, llm.c) written as Kiln safetensors or, for GPT-2, as
 * an llm.c {@code .bin}, so the same weights run in Kiln and in llm.c.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "convert",
    description =
        "Write a model's weights (seeded or imported) as Kiln safetensors, or as an llm.c .bin (GPT-2).")
final class ConvertCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "a stdlib name or a .model file")
  String modelName;

  @Option(names = "--weights", description = "weights to import; default: seeded initialisation")
  Path weights;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "initialisation seed when no --weights are given")
  long seed;

  @Option(names = "--out", required = true, description = "OUT.safetensors, or OUT.bin for llm.c")
  Path out;

  @Mixin
  ModelOptions options;

  @Override
  public Integer call() {
    ModelCompiler.Compiled c = options.compile(modelName);
    Model m = c.newModel();
    m.initialize(seed);
    if (weights != null) {
      Weights.load(m, weights);
    }
    if (out.getFileName().toString().endsWith(".bin")) {
      Object heads = m.spec().config().get("heads");
      if (!(heads instanceof Number n)) {
        throw new KilnException("model " + m.spec().name()
            + " has no 'heads' parameter; llm.c files hold GPT-2 models");
      }
      LlmcCheckpoint.write(out, m.parameters(), n.intValue());
    } else {
      m.save(out);
    }
    System.out.printf("wrote %s (%s, %,d parameters)%n", out, m.spec().name(), m.parameterCount());
    return 0;
  }
}
