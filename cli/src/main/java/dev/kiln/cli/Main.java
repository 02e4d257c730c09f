package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kiln} command line. */
@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    version = "kiln 0.1.0",
    description = "Declare, compile, train and run Transformer models on the JVM.",
    subcommands = {
      DemoCommand.class,
      DevicesCommand.class,
      CompileCommand.class,
      GradcheckCommand.class,
      ForwardCommand.class,
      TrainCommand.class,
      GenerateCommand.class,
      EmbedCommand.class,
      ConvertCommand.class,
      PlotCommand.class,
      VizCommand.class,
      EvalCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof ModelCompiler.CompileError) {
        System.err.println(ex.getMessage());
        return 1;
      }
      if (ex instanceof KilnException) {
        System.err.println("kiln: " + ex.getMessage());
        return 1;
      }
      throw ex;
    });
    return cl.execute(args);
  }
}
