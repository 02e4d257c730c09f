package dev.kiln.processor;

import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.Severity;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.frontend.FileSystemResolver;
import dev.kiln.processor.frontend.ModelFiles;
import dev.kiln.processor.sema.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message of the processor's catalogue ({@link Message}), each produced by a small input that
 * triggers exactly it: the code, severity, text, hint and position a user is shown. Most come from a
 * {@code .model} text checked without javac; those only the annotated-interface front end or the
 * processor's wrapper can produce are compiled through javac. {@link #everyMessageHasACase} keeps
 * the table complete as the catalogue grows.
 */
class CatalogueTest {
  @TempDir
  Path dir;

  /**
   * One diagnostic as a user sees it. {@code line} and {@code column} are the {@code .model} file's
   * (1-based) when the diagnostic points into one, otherwise javac's position in the Java source.
   */
  record Seen(String code, Severity severity, String message, String hint, int line, int column) {
    @Override
    public String toString() {
      return code + " " + severity + " " + line + ":" + column + " " + message
          + (hint == null ? "" : " (hint: " + hint + ")");
    }
  }

  /** Produces the diagnostics of one input; {@code dir} is a fresh, empty directory. */
  @FunctionalInterface
  interface Input {
    List<Seen> run(Path dir) throws IOException;
  }

  /**
   * A catalogue message and an input that produces it, with what the user must be told. In {@code
   * text} and {@code hint}, {@code {dir}} stands for the case's directory.
   */
  record Case(
      Message message, String code, Input input, String text, String hint, int line, int column) {
    @Override
    public String toString() {
      return message.code + " " + message.name();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void producesExactlyItsMessage(Case c) throws IOException {
    List<Seen> seen = c.input().run(dir);
    Seen expected = new Seen(
        c.code(),
        c.message().severity,
        c.text().replace("{dir}", dir.toString()),
        c.hint() == null ? null : c.hint().replace("{dir}", dir.toString()),
        c.line(),
        c.column());
    assertEquals(List.of(expected), seen);
  }

  /** The cases cover the whole catalogue: a new message needs a case here. */
  @Test
  void everyMessageHasACase() {
    Set<Message> covered = EnumSet.noneOf(Message.class);
    for (Case c : cases()) {
      covered.add(c.message());
    }
    // Messages no user input can produce, each with the reason. None at present. (The constants
    // BAD_CONFIG_VALUE, INTERNAL and SUMMARY are not used by the processor, which prints their code
    // or text by hand; their cases check what it prints.)
    EnumSet<Message> excluded = EnumSet.noneOf(Message.class);
    assertEquals(EnumSet.complementOf(excluded), covered);
    assertEquals(cases().size(), covered.size(), "one case per message");
  }

  // -----------------------------------------------------------------------------------------------
  // The cases

  /**
   * A model whose body continues with {@code lines} (from line 5) before its loss: valid on its own,
   * so every diagnostic comes from {@code lines}.
   */
  private static String inModel(String lines) {
    return """
        model M(vocab = 11, d = 16, heads = 4) {
          input tokens: int[B, T <= 8]
          input targets: int[B, T]
          x = embedding(tokens, vocab, d)
        """ + lines + """
          output loss = cross_entropy(linear(x, vocab), targets)
        }
        """;
  }

  /** A valid model, for cases about the request rather than the file. */
  private static final String VALID_MODEL = """
      model M(vocab = 11, d = 16) {
        input tokens: int[B, T <= 8]
        input targets: int[B, T]
        x = embedding(tokens, vocab, d)
        output loss = cross_entropy(linear(x, vocab), targets)
      }
      """;

  static List<Case> cases() {
    return List.of(
        model(
            Message.UNKNOWN_NAME,
            inModel("  y = relu(xx)\n"),
            "unknown name 'xx'",
            "did you mean 'x'?",
            5,
            12),
        model(
            Message.UNKNOWN_OP,
            inModel("  y = lnear(x, 4)\n"),
            "unknown op 'lnear'",
            "did you mean 'linear'?",
            5,
            7),
        model(
            Message.UNKNOWN_ARGUMENT,
            inModel("  y = linear(x, 4, bais = false)\n"),
            "linear has no argument 'bais'",
            "did you mean 'bias'?",
            5,
            20),
        model(
            Message.MISSING_ARGUMENT,
            inModel("  y = linear(x)\n"),
            "linear is missing argument 'out'",
            null,
            5,
            7),
        model(
            Message.TOO_MANY_ARGUMENTS,
            inModel("  y = relu(x, 3)\n"),
            "relu takes 1 positional argument(s), got 2",
            "pass the extra ones by name",
            5,
            15),
        model(
            Message.DUPLICATE_ARGUMENT,
            inModel("  y = linear(x, 4, out = 4)\n"),
            "argument 'out' is given more than once",
            null,
            5,
            20),
        model(
            Message.WRONG_ARGUMENT,
            inModel("  y = linear(x, out = x)\n"),
            "linear: argument 'out' must be an integer, got a tensor f32[B,T,16]",
            null,
            5,
            23),
        model(
            Message.SHAPE_MISMATCH,
            inModel("  y = x + linear(x, 8)\n"),
            "cannot add f32[B,T,16] and f32[B,T,8]: shapes differ",
            "both sides must have the same shape, or the right side must match the trailing dims of"
                + " the left",
            5,
            7),
        model(
            Message.HEADS_DO_NOT_DIVIDE,
            inModel("  y = attention(x, 5, causal)\n"),
            "attention heads (5) must divide the width (16)",
            "give head_dim explicitly, or choose a number of heads that divides 16",
            5,
            20),
        model(
            Message.MASK_OUTSIDE_ATTENTION,
            inModel("  y = linear(causal, 4)\n"),
            "mask 'causal' used outside attention",
            "masks can only be passed to attention(..., mask = ...)",
            5,
            14),
        // A .model file is read top to bottom, so only the annotated front end can make a cycle.
        annotated(
            Message.CYCLE,
            List.of(
                "@Model(config = \"vocab = 11, d = 16\")", // 5
                "interface M {", // 6
                "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
                "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
                "  @Add Tensor a(Tensor tok, Tensor b);", // 9
                "  @Relu Tensor b(Tensor a);", // 10
                "  @Output @Mean Tensor loss(Tensor b);", // 11
                "}"),
            "cycle in the model graph: a -> b -> a",
            "a value cannot depend on itself",
            9,
            15),
        model(
            Message.DIVISION_BY_ZERO,
            """
            model M(d = 16, ff = d / 0) {
              input tokens: int[B, T]
              output loss = mean(embedding(tokens, 11, d))
            }
            """,
            "division by zero in configuration expression 'd / 0'",
            null,
            1,
            22),
        model(
            Message.NON_POSITIVE_DIM,
            inModel("  y = linear(x, d - 16)\n"),
            "linear out must be positive, got 0",
            null,
            5,
            17),
        model(
            Message.TIED_WEIGHT_SHAPE,
            inModel("  h = linear(x, 8)\n  y = linear(h, vocab, weight = x.weight^T)\n"),
            "tied weight 'x.weight^T' has shape [11,16] (used as [16,11]), but linear from width 8"
                + " to 11 needs [8,11]",
            "a tied weight used with ^T must be stored [out, in] = [11, 8]",
            6,
            33),
        model(
            Message.UNUSED_INPUT,
            """
            model M {
              input tokens: int[B, T]
              input extra: float[B, 3]
              output loss = mean(embedding(tokens, 11, 4))
            }
            """,
            "input 'extra' is never used",
            "remove it, or use it in the model",
            3,
            3),
        model(
            Message.TYPE_MISMATCH,
            inModel("  y = !x\n"),
            "'!' needs true/false or a mask, got a tensor f32[B,T,16]",
            null,
            5,
            7),
        model(
            Message.UNKNOWN_MEMBER,
            inModel("  y = x.wieght\n"),
            "'x' has no weight named 'wieght'",
            "did you mean 'weight'?",
            5,
            7),
        model(
            Message.USED_BEFORE_DEFINED,
            inModel("  y = relu(z)\n  z = relu(x)\n"),
            "'z' is used before it is defined (line 6)",
            "move the definition above its first use",
            5,
            12),
        model(
            Message.DUPLICATE_OUTPUT,
            inModel("  output y = relu(x)\n  output y = gelu(x)\n"),
            "output 'y' is declared more than once",
            null,
            6,
            3),
        compiled(
            Message.NO_SUCH_MODEL,
            Map.of("m.model", VALID_MODEL),
            List.of(
                "@Model(source = \"m.model\",", // 5
                "    name = \"Gpt\")", // 6
                "interface Stub {}"), // 7
            "{dir}/m.model declares no model 'Gpt'",
            "it declares: M",
            6,
            12),
        compiled(
            Message.MODEL_FILE,
            Map.of(),
            List.of(
                "@Model(source = \"nowhere.model\")", // 5
                "interface Stub {}"), // 6
            "cannot find model file 'nowhere.model'",
            "put it next to Stub.java or in src/main/resources/test, or pass"
                + " -Akiln.modelPath=<dir>",
            5,
            17),
        model(
            Message.IMPORT_NOT_FOUND,
            """
            import "blocks.model"
            model M {
              input tokens: int[B, T]
              output loss = mean(embedding(tokens, 11, 4))
            }
            """,
            "cannot find imported file 'blocks.model'",
            "imports are resolved relative to the importing file",
            1,
            1),
        compiled(
            Message.UNKNOWN_CONFIG,
            Map.of("m.model", VALID_MODEL),
            List.of(
                "@Model(source = \"m.model\",", // 5
                "    config = \"layers = 2\")", // 6
                "interface Stub {}"), // 7
            "model M has no parameter 'layers'",
            "its parameters are: d, vocab",
            6,
            14),
        // K0124 is reported with ad-hoc text (ConfigText), not the catalogue's; and it lands on the
        // annotation's source value (5:17), not on its config value (6:14) where the mistake is.
        compiled(
            Message.BAD_CONFIG_VALUE,
            Map.of("m.model", VALID_MODEL),
            List.of(
                "@Model(source = \"m.model\",", // 5
                "    config = \"d\")", // 6
                "interface Stub {}"), // 7
            "in configuration \"d\": 'd' has no value",
            "write d=<value>",
            5,
            17),
        model(
            Message.MISPLACED_RETURN,
            inModel("  return x\n"),
            "'return' is only allowed in a block; use 'output name = ...' in a model",
            null,
            5,
            3),
        model(
            Message.RECURSIVE_BLOCK,
            """
            block Layer(x) {
              return Layer(x)
            }
            model M {
              input tokens: int[B, T]
              output loss = mean(Layer(embedding(tokens, 11, 4)))
            }
            """,
            "block 'Layer' calls itself",
            "blocks cannot be recursive; use a for loop",
            2,
            10),
        model(
            Message.RUNTIME_DIM,
            """
            model M(d = 4) {
              input tokens: int[B, d <= 4]
              output loss = mean(embedding(tokens, 11, 4))
            }
            """,
            "'d' is a model parameter, not a run-time dim; it cannot have a bound",
            null,
            2,
            24),
        model(
            Message.PADDING_MISUSE,
            inModel("  y = attention(x, 4, padding)\n"),
            "the padding mask needs an input 'lengths' with the length of each sequence",
            "declare it: input lengths: int[B]",
            5,
            23),
        model(
            Message.LOSS_NOT_SCALAR,
            """
            model M {
              input tokens: int[B, T]
              output loss = embedding(tokens, 11, 4)
            }
            """,
            "output 'loss' must be a scalar, got f32[B,T,4]",
            "reduce it with mean(...) or cross_entropy(...)",
            3,
            3),
        model(
            Message.DUPLICATE_DEFINITION,
            """
            block Layer(x) {
              return relu(x)
            }
            block Layer(x) {
              return gelu(x)
            }
            model M {
              input tokens: int[B, T]
              output loss = mean(Layer(embedding(tokens, 11, 4)))
            }
            """,
            "block 'Layer' is defined more than once",
            null,
            4,
            1),
        model(
            Message.DUPLICATE_PARAMETER_NAME,
            inModel("""
                  a = linear(x, 4, bias = false, name = "p")
                  b = linear(x, 4, bias = false, name = "p")
                """),
            "two weights are both named 'p.weight'",
            "give one of them a different name = \"...\"",
            6,
            7),
        // KilnProcessor's catch-all, which prints "[K0133] ..." by hand: an I/O failure while
        // writing the IR dump (here, the dump directory is a file) is the simplest way to make
        // ModelJob throw. The summary note comes first, as the model compiled; only errors count.
        javacText(
            Message.INTERNAL,
            Message.INTERNAL.code,
            Map.of("m.model", VALID_MODEL, "dump", ""),
            List.of(
                "@Model(source = \"m.model\")", // 5
                "interface Stub {}"), // 6
            "-Akiln.dumpIr={dir}/dump",
            "internal error while compiling model Stub: UncheckedIOException: cannot write IR dump"
                + " {dir}/dump/M.ir",
            "please report this with the model declaration",
            6,
            1),
        model(
            Message.NOT_BOOLEAN,
            inModel("  if 3 { y = relu(x) }\n"),
            "condition must be true or false, got the integer 3",
            null,
            5,
            6),
        model(
            Message.NOT_INTEGER,
            inModel("  for i in 0 ..< 2.5 { y = relu(x) }\n"),
            "loop end must be an integer, got the number 2.5",
            null,
            5,
            18),
        annotated(
            Message.WIRING,
            List.of(
                "@Model(config = \"vocab = 11, d = 16\")", // 5
                "interface M {", // 6
                "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
                "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
                "  @Output @Mean Tensor loss(Tensor tk);", // 9
                "}"),
            "parameter 'tk' of loss names no method or input",
            "did you mean 'tok'?",
            9,
            36),
        annotated(
            Message.OP_ANNOTATION,
            List.of(
                "@Model(config = \"vocab = 11, d = 16\")", // 5
                "interface M {", // 6
                "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
                "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
                "  @Relu @Gelu Tensor act(Tensor tok);", // 9
                "  @Output @Mean Tensor loss(Tensor act);", // 10
                "}"),
            "method 'act' has two op annotations: @Relu, @Gelu",
            "a method is one op; split it into one method per op",
            9,
            9),
        model(
            Message.NO_OUTPUT,
            """
            model M {
              input tokens: int[B, T]
              x = embedding(tokens, 11, 4)
            }
            """,
            "model M declares no output",
            "mark the result with 'output name = ...' or @Output",
            1,
            1),
        // ModelJob prints the summary note itself, without the catalogue's code (K0150).
        javacText(
            Message.SUMMARY,
            null,
            Map.of("m.model", VALID_MODEL),
            List.of(
                "@Model(source = \"m.model\")", // 5
                "interface Stub {}"), // 6
            "-Akiln.planDims=B=2",
            "model M: 363 parameters (1.4 KiB), gradients 1.4 KiB, AdamW state 2.9 KiB; activations"
                + " 64*B*T + 32 floats = 4.1 KiB at B=2, T=8",
            null,
            6,
            1));
  }

  // -----------------------------------------------------------------------------------------------
  // Running a .model text without javac

  /** {@code text} saved as t.model, model M checked with its defaults. */
  private static Case model(
      Message m, String text, String message, String hint, int line, int column) {
    return new Case(m, m.code, dir -> checkModel(dir, text), message, hint, line, column);
  }

  private static List<Seen> checkModel(Path dir, String text) {
    Diagnostics diags = new Diagnostics();
    Program program = ModelFiles.load(
        new SourceText("t.model", text), new FileSystemResolver(List.of(dir)), diags);
    Pipeline.run(program, "M", Map.of(), null, diags);
    List<Seen> seen = new ArrayList<>();
    for (Diagnostic d : diags.all()) {
      assertEquals("t.model", d.span().file(), d::toString);
      seen.add(new Seen(
          d.code(),
          d.severity(),
          d.message(),
          d.hint(),
          d.span().line(),
          d.span().column()));
    }
    return seen;
  }

  // -----------------------------------------------------------------------------------------------
  // Compiling through javac

  private static final Pattern INTERFACE = Pattern.compile("interface (\\w+)");

  /** {@code body} after {@code package test; import dev.kiln.dsl.annotation.*;}, from line 5. */
  private static JavaFileObject javaSource(List<String> body) {
    List<String> lines =
        new ArrayList<>(List.of("package test;", "", "import dev.kiln.dsl.annotation.*;", ""));
    lines.addAll(body);
    String name = body.stream()
        .map(INTERFACE::matcher)
        .filter(Matcher::lookingAt)
        .findFirst()
        .orElseThrow()
        .group(1);
    return JavaFileObjects.forSourceLines("test." + name, lines);
  }

  private static void writeFiles(Path dir, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(dir.resolve(f.getKey()), f.getValue());
    }
  }

  /** An annotated model interface {@code test.M} compiled through javac. */
  private static Case annotated(
      Message m, List<String> body, String message, String hint, int line, int column) {
    return compiled(m, Map.of(), body, message, hint, line, column);
  }

  /**
   * {@code body} compiled through javac with {@code files} in the model path. The processor's own
   * job runs, so its diagnostics are seen with their codes, and javac says where each one lands.
   */
  private static Case compiled(
      Message m,
      Map<String, String> files,
      List<String> body,
      String message,
      String hint,
      int line,
      int column) {
    return new Case(
        m,
        m.code,
        dir -> {
          writeFiles(dir, files);
          CapturingProcessor capture = new CapturingProcessor();
          Compilation c = javac()
              .withProcessors(capture)
              .withOptions("-Akiln.modelPath=" + dir, "--add-modules", "jdk.incubator.vector")
              .compile(javaSource(body));
          List<Seen> seen = new ArrayList<>();
          for (Diagnostic d : capture.reported) {
            seen.add(locate(d, c));
          }
          return seen;
        },
        message,
        hint,
        line,
        column);
  }

  /** {@code d} with javac's position, unless it points into a .model file. */
  private static Seen locate(Diagnostic d, Compilation c) {
    if (d.span() != null && d.span().origin() == null && d.span().line() > 0) {
      return new Seen(
          d.code(),
          d.severity(),
          d.message(),
          d.hint(),
          d.span().line(),
          d.span().column());
    }
    List<javax.tools.Diagnostic<? extends JavaFileObject>> printed = c.diagnostics().stream()
        .filter(j -> j.getMessage(Locale.ROOT).contains(d.message()))
        .toList();
    assertEquals(1, printed.size(), () -> "javac printed " + d + " once: " + c.diagnostics());
    var j = printed.getFirst();
    return new Seen(d.code(), d.severity(), d.message(), d.hint(), (int) j.getLineNumber(), (int)
        j.getColumnNumber());
  }

  /**
   * For what KilnProcessor or ModelJob print directly rather than as a catalogue diagnostic: the
   * javac diagnostics about {@code body} of the message's severity, their code read from a leading
   * {@code [Kxxxx]}.
   */
  private static Case javacText(
      Message m,
      String code,
      Map<String, String> files,
      List<String> body,
      String option,
      String message,
      String hint,
      int line,
      int column) {
    return new Case(
        m,
        code,
        dir -> {
          writeFiles(dir, files);
          Compilation c = javac()
              .withProcessors(new KilnProcessor())
              .withOptions(
                  "-Akiln.modelPath=" + dir,
                  option.replace("{dir}", dir.toString()),
                  "--add-modules",
                  "jdk.incubator.vector")
              .compile(javaSource(body));
          List<Seen> seen = new ArrayList<>();
          for (var j : c.diagnostics()) {
            if (j.getSource() == null) {
              continue; // javac's own notes, e.g. about the incubator module
            }
            Seen s = fromJavac(j);
            if (s.severity() == m.severity) {
              seen.add(s);
            }
          }
          return seen;
        },
        message,
        hint,
        line,
        column);
  }

  private static final Pattern CODED = Pattern.compile("\\[(K\\d{4})] (.*)", Pattern.DOTALL);
  private static final Pattern HINTED = Pattern.compile("(.*)\n\\s*hint: (.*)", Pattern.DOTALL);

  private static Seen fromJavac(javax.tools.Diagnostic<? extends JavaFileObject> j) {
    String text = j.getMessage(Locale.ROOT);
    String code = null;
    Matcher coded = CODED.matcher(text);
    if (coded.matches()) {
      code = coded.group(1);
      text = coded.group(2);
    }
    String hint = null;
    Matcher hinted = HINTED.matcher(text);
    if (hinted.matches()) { // javac indents the lines after the first
      text = hinted.group(1);
      hint = hinted.group(2);
    }
    Severity severity =
        switch (j.getKind()) {
          case ERROR -> Severity.ERROR;
          case WARNING, MANDATORY_WARNING -> Severity.WARNING;
          default -> Severity.NOTE;
        };
    return new Seen(code, severity, text, hint, (int) j.getLineNumber(), (int) j.getColumnNumber());
  }

  /**
   * Runs the processor's own {@link ModelJob} for each {@code @Model} interface, as {@link
   * KilnProcessor} does, and keeps the job's diagnostics, which carry the catalogue codes javac's
   * output does not show.
   */
  private static final class CapturingProcessor extends AbstractProcessor {
    final List<Diagnostic> reported = new ArrayList<>();

    @Override
    public Set<String> getSupportedAnnotationTypes() {
      return Set.of("dev.kiln.dsl.annotation.*");
    }

    @Override
    public Set<String> getSupportedOptions() {
      return Set.of(
          KilnProcessor.OPTION_MODEL_PATH,
          KilnProcessor.OPTION_DUMP_IR,
          KilnProcessor.OPTION_PLAN_DIMS);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
      return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
      TypeElement model = processingEnv.getElementUtils().getTypeElement(KilnProcessor.MODEL);
      if (model == null || !annotations.contains(model)) {
        return false;
      }
      for (Element e : round.getElementsAnnotatedWith(model)) {
        ModelJob job = new ModelJob(processingEnv, (TypeElement) e);
        job.run();
        reported.addAll(diagnosticsOf(job));
      }
      return false;
    }

    private static List<Diagnostic> diagnosticsOf(ModelJob job) {
      return job.diagnostics();
    }
  }
}
