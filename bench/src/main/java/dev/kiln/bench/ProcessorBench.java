package dev.kiln.bench;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * What Kiln's annotation processor adds to {@code javac}: one source binding every model of the
 * standard library at its published size (GPT-2, GPT-3-style, the five BERT models, the Transformer,
 * GPT-1) is compiled with the processor (parse, check, autodiff, plan, generate and compile the
 * generated classes) and, as the reference, without it ({@code -proc:none}, the interfaces alone).
 * Both in this JVM, warm, five times or more. The summary's unit is seconds per compilation; the
 * ratio is the reference's time over Kiln's, and the line before it gives the difference.
 */
final class ProcessorBench {
  private ProcessorBench() {}

  private static final String SOURCE = """
      package bench;

      import dev.kiln.dsl.annotation.Model;

      final class Stdlib {
        @Model(source = "gpt2.model", name = "Gpt2") interface Gpt2 {}
        @Model(source = "gpt3.model", name = "Gpt3") interface Gpt3 {}
        @Model(source = "bert.model", name = "BertForPreTraining") interface BertPreTraining {}
        @Model(source = "bert.model", name = "BertForMaskedLM") interface BertMaskedLm {}
        @Model(source = "bert.model", name = "BertForSequenceClassification") interface BertClassifier {}
        @Model(source = "bert.model", name = "BertForQuestionAnswering") interface BertQa {}
        @Model(source = "bert.model", name = "BertModel") interface BertEncoder {}
        @Model(source = "transformer.model", name = "Transformer") interface Transformer {}
        @Model(source = "gpt1.model", name = "Gpt1Classifier") interface Gpt1 {}
      }
      """;

  static void run(int runs) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler in this runtime: a full JDK 25 is needed");
    }
    System.out.println(
        "processor: javac on the stdlib's 9 models at published size, with Kiln's processor vs -proc:none");
    compile(javac, true); // warm-up, and a check that it compiles
    compile(javac, false);
    double[] kiln = new double[runs];
    double[] ref = new double[runs];
    for (int r = 0; r < runs; r++) {
      kiln[r] = compile(javac, true);
      ref[r] = compile(javac, false);
      System.out.printf(
          Locale.ROOT,
          "  run %d  with processor %.2f s   without %.2f s%n",
          r + 1,
          kiln[r],
          ref[r]);
    }
    double k = Bench.median(kiln);
    double o = Bench.median(ref);
    System.out.printf(
        Locale.ROOT, "the processor adds %.2f s to javac for the whole standard library%n", k - o);
    System.out.printf(Locale.ROOT, "processor: kiln=%.2f s ref=%.2f s ratio=%.2f%n", k, o, o / k);
  }

  /** Seconds for one compilation into a fresh folder; fails on any error. */
  private static double compile(JavaCompiler javac, boolean withProcessor) {
    Path out;
    try {
      out = Files.createTempDirectory("kiln-bench-processor");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> options = new ArrayList<>(List.of(
        "-d",
        out.toString(),
        "-cp",
        System.getProperty("java.class.path"),
        "--add-modules",
        "jdk.incubator.vector",
        "-Xlint:-options"));
    if (withProcessor) {
      options.addAll(List.of("-processor", "dev.kiln.processor.KilnProcessor"));
    } else {
      options.add("-proc:none");
    }
    JavaFileObject src =
        new SimpleJavaFileObject(
            URI.create("string:///bench/Stdlib.java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return SOURCE;
          }
        };
    StringWriter log = new StringWriter();
    long t0 = System.nanoTime();
    boolean ok = javac.getTask(log, null, null, options, null, List.of(src)).call();
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!ok) {
      throw new IllegalStateException("javac failed:\n" + log);
    }
    return seconds;
  }
}
