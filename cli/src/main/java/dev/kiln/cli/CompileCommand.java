package dev.kiln.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln compile FILE.model [--dump-ir]}: checks and compiles a model file through the processor. */
@Command(
    mixinStandardHelpOptions = true,
    name = "compile",
    description =
        "Compile a .model file through Kiln's annotation processor; exit 1 with diagnostics on error.")
final class CompileCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE.model")
  String file;

  @Option(names = "--dump-ir", description = "print the IR (forward and backward) after compiling")
  boolean dumpIr;

  @Mixin
  ModelOptions model;

  @Override
  public Integer call() {
    ModelCompiler.Compiled c = model.compile(file);
    for (String note : c.notes()) {
      if (!note.isBlank()) {
        System.err.println(note);
      }
    }
    if (dumpIr) {
      System.out.print(c.ir());
    }
    System.err.println(
        "compiled " + c.name() + " -> " + c.f32().getName() + ", " + c.f64().getName());
    return 0;
  }
}
