package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln forward}: runs a model on given weights and inputs and writes every named output (and,
 * with {@code --grads}, every parameter gradient of the loss) as safetensors — the hook for checking
 * Kiln against an independent implementation.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "forward",
    description =
        "Run a model on weights and inputs from safetensors files; write its outputs (and gradients).")
final class ForwardCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "a .model file")
  String modelFile;

  @Option(
      names = "--weights",
      description =
          "parameters as safetensors (names and shapes must match); default: seeded initialisation")
  Path weights;

  @Option(
      names = "--inputs",
      required = true,
      description = "inputs as safetensors, one tensor per model input")
  Path inputs;

  @Option(
      names = "--out",
      required = true,
      description = "where to write the outputs (safetensors)")
  Path out;

  @Option(
      names = "--grads",
      description = "also write d(loss)/d(parameter) for every parameter, as grad.<name>")
  boolean grads;

  @Option(names = "--train", description = "run in training mode (dropout on)")
  boolean train;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "initialisation seed when no --weights are given")
  long seed;

  @Option(names = "--f64", description = "run the double-precision twin instead of float32")
  boolean f64;

  @Option(
      names = "--device",
      description = "cpu (default, or -Dkiln.device), opencl or cuda, optionally :index")
  String device;

  @Mixin
  ModelOptions model;

  @Override
  public Integer call() {
    ModelCompiler.Compiled c = model.compile(modelFile);
    Model m = f64 ? c.newModelF64() : c.newModel();
    m.initialize(seed);
    if (weights != null) {
      Weights.load(m, weights);
    }
    if (m instanceof dev.kiln.runtime.model.FloatModel fm) {
      DeviceOption.attach(fm, device);
    } else {
      DeviceOption.requireCpu(device, "--f64");
    }
    requireFile(inputs, "inputs");
    Map<String, Tensor> in = new LinkedHashMap<>(Safetensors.readAll(inputs));
    m.forward(in, train);
    Map<String, Tensor> results = new LinkedHashMap<>();
    for (ModelSpec.OutputSpec o : m.spec().outputs()) {
      results.put(o.name(), m.output(o.name()));
    }
    if (grads) {
      m.zeroGrad();
      m.backward();
      m.gradients().forEach((name, t) -> results.put("grad." + name, t));
    }
    Safetensors.write(out, results, Map.of("kiln.model", m.spec().name()));
    if (m.spec().loss() != null) {
      System.out.println("loss " + m.loss());
    }
    System.out.println("wrote " + results.size() + " tensors to " + out);
    return 0;
  }

  private static void requireFile(Path p, String what) {
    if (!Files.isRegularFile(p)) {
      throw new KilnException("--" + what + " file '" + p + "' does not exist");
    }
  }
}
