package dev.kiln.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kiln plot}: loss, learning rate and tokens/s of one or more runs, as HTML or PNG. */
@Command(
    mixinStandardHelpOptions = true,
    name = "plot",
    description =
        "Plot loss, learning rate and tokens/s from metrics.jsonl files (several runs overlaid) as HTML or PNG.")
final class PlotCommand implements Callable<Integer> {
  @Parameters(
      arity = "1..*",
      paramLabel = "METRICS",
      description = "metrics.jsonl files, or run folders holding one")
  List<Path> files = new ArrayList<>();

  @Option(
      names = "--out",
      defaultValue = "loss.html",
      description = "OUT.html or OUT.png (default loss.html)")
  Path out;

  @Override
  public Integer call() {
    List<Plot.Run> runs = new ArrayList<>();
    for (Path f : files) {
      runs.add(Plot.read(f.toFile().isDirectory() ? f.resolve("metrics.jsonl") : f));
    }
    Plot.write(runs, out);
    System.out.println("wrote " + out);
    return 0;
  }
}
