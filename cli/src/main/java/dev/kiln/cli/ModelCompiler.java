package dev.kiln.cli;

import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.DiagnosticRenderer;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.Severity;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.processor.KilnProcessor;
import dev.kiln.processor.frontend.FileSystemResolver;
import dev.kiln.processor.frontend.ModelFiles;
import dev.kiln.processor.sema.Program;
import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a {@code .model} file on the fly through Kiln's annotation processor via {@code javax.tools},
 * exactly as a Maven build would, and loads the generated classes. Results are cached by a hash of the
 * model sources and configuration, so a second run with the same model starts at once.
 */
public final class ModelCompiler {
  /** A compiled model: its name, the generated classes, the processor's notes, the IR dump. */
  public record Compiled(
      String name, Class<?> f32, Class<?> f64, List<String> notes, String ir, Path dir) {
    public Model newModel() {
      return instantiate(f32);
    }

    public Model newModelF64() {
      return instantiate(f64);
    }

    private static Model instantiate(Class<?> c) {
      try {
        return (Model) c.getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot instantiate generated " + c.getName(), e);
      }
    }
  }

  /** The model file had errors; {@link #getMessage()} holds them, rendered. */
  public static final class CompileError extends KilnException {
    private static final long serialVersionUID = 1L;

    CompileError(String message) {
      super(message);
    }
  }

  private static final String VERSION = "kiln-0.1";

  private ModelCompiler() {}

  /** Where compiled models are cached: {@code -Dkiln.cache}, {@code $KILN_CACHE}, else {@code ~/.cache/kiln}. */
  static Path cacheRoot() {
    String prop = System.getProperty("kiln.cache");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("KILN_CACHE");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "kiln");
  }

  /**
   * Compiles model {@code modelName} (null: the file's only model) of {@code file} with configuration
   * overrides {@code config} ({@code "layers=4, d=128"}).
   */
  public static Compiled compile(Path file, String modelName, String config) {
    SourceText root;
    try {
      root = FileSystemResolver.read(file);
    } catch (UncheckedIOException e) {
      throw new KilnException(e.getMessage());
    }
    Diagnostics diags = new Diagnostics();
    Program program = ModelFiles.load(root, new FileSystemResolver(List.of()), diags);
    if (diags.hasErrors()) {
      throw new CompileError(render(diags.all(), program));
    }
    String name = chooseModel(program, root, modelName);
    String key = hash(program, name, config);
    Path dir = cacheRoot().resolve("models").resolve(name + "-" + key);
    if (!Files.isRegularFile(dir.resolve("ok"))) {
      build(file.toAbsolutePath(), name, config, dir);
    }
    return load(dir, name);
  }

  private static String chooseModel(Program program, SourceText root, String requested) {
    List<String> own = new ArrayList<>();
    for (Decl.Model m : program.models().values()) {
      if (m.span().file().equals(root.name())) {
        own.add(m.name());
      }
    }
    if (requested != null) {
      if (!program.models().containsKey(requested)) {
        throw new KilnException(root.name() + ": no model named '" + requested + "'; it declares: "
            + String.join(", ", own));
      }
      return requested;
    }
    if (own.size() == 1) {
      return own.getFirst();
    }
    if (own.isEmpty()) {
      throw new KilnException(root.name() + ": declares no model");
    }
    throw new KilnException(root.name() + ": declares several models (" + String.join(", ", own)
        + "); choose one with --name");
  }

  private static String hash(Program program, String name, String config) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((VERSION + "\0" + name + "\0" + config + "\0").getBytes(StandardCharsets.UTF_8));
      for (SourceText s : program.sources().values()) {
        md.update((s.name() + "\0" + s.text() + "\0").getBytes(StandardCharsets.UTF_8));
      }
      md.update(classpathStamp().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The jars (or class folders) javac needs: the processor and its libraries, the DSL and the runtime. */
  static String kilnClasspath() {
    List<String> entries = new ArrayList<>();
    for (Class<?> c : List.of(
        KilnProcessor.class,
        dev.kiln.dsl.annotation.Model.class,
        Model.class,
        com.palantir.javapoet.JavaFile.class,
        org.antlr.v4.runtime.CharStream.class)) {
      try {
        String path = Path.of(
                c.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
        if (!entries.contains(path)) {
          entries.add(path);
        }
      } catch (java.net.URISyntaxException | NullPointerException e) {
        throw new IllegalStateException("cannot locate the classes of " + c.getName(), e);
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** Changes when Kiln itself is rebuilt, so cached classes never outlive the processor that made them. */
  private static String classpathStamp() {
    StringBuilder sb = new StringBuilder();
    for (String entry : kilnClasspath().split(java.io.File.pathSeparator)) {
      try (var files = Files.isDirectory(Path.of(entry))
          ? Files.walk(Path.of(entry))
          : java.util.stream.Stream.of(Path.of(entry))) {
        long newest = files.mapToLong(f -> f.toFile().lastModified()).max().orElse(0);
        sb.append(entry).append('@').append(newest).append(';');
      } catch (IOException e) {
        sb.append(entry).append(';');
      }
    }
    return sb.toString();
  }

  private static void build(Path file, String name, String config, Path dir) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new KilnException("no Java compiler in this runtime (" + System.getProperty("java.home")
          + "); Kiln needs a full JDK 25");
    }
    Path tmp;
    try {
      Files.createDirectories(dir.getParent());
      tmp = Files.createTempDirectory(dir.getParent(), name + ".tmp");
      Path src = tmp.resolve("src/kiln/generated");
      Files.createDirectories(src);
      Files.createDirectories(tmp.resolve("classes"));
      Files.createDirectories(tmp.resolve("generated"));
      Path stub = src.resolve(name + ".java");
      Files.writeString(
          stub,
          "package kiln.generated;\n\n@dev.kiln.dsl.annotation.Model(source = "
              + javaString(file.toString()) + ", name = " + javaString(name) + ", config = "
              + javaString(config) + ")\ninterface " + name + " {}\n");
      String cp = kilnClasspath();
      List<String> options = List.of(
          "-d",
          tmp.resolve("classes").toString(),
          "-s",
          tmp.resolve("generated").toString(),
          "-classpath",
          cp,
          "-processorpath",
          cp,
          "-processor",
          KilnProcessor.class.getName(),
          "-A" + KilnProcessor.OPTION_DUMP_IR + "=" + tmp,
          "--add-modules",
          "jdk.incubator.vector",
          "-Xlint:all",
          "-Xlint:-options",
          "-Xlint:-processing",
          "-implicit:class",
          "-encoding",
          "UTF-8");
      DiagnosticCollector<JavaFileObject> collector = new DiagnosticCollector<>();
      boolean ok;
      try (StandardJavaFileManager fm =
          javac.getStandardFileManager(collector, Locale.ROOT, StandardCharsets.UTF_8)) {
        ok = javac
            .getTask(null, fm, collector, options, null, fm.getJavaFileObjects(stub))
            .call();
      }
      List<String> errors = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      for (javax.tools.Diagnostic<? extends JavaFileObject> d : collector.getDiagnostics()) {
        String msg = d.getMessage(Locale.ROOT);
        if (msg.contains("incubating module")) {
          continue; // javac's notice that the Vector API is incubating; expected and harmless
        }
        boolean fromKiln =
            d.getSource() == null || d.getSource().getName().endsWith(name + ".java");
        String text =
            fromKiln ? msg : d.getSource().getName() + ":" + d.getLineNumber() + ": " + msg;
        switch (d.getKind()) {
          case ERROR -> errors.add(text);
          case WARNING, MANDATORY_WARNING -> {
            if (fromKiln) {
              errors.add(
                  msg.startsWith("warning") || msg.contains(": warning: ")
                      ? msg
                      : "warning: " + msg);
            } else {
              errors.add("warning in generated code (please report): " + text);
            }
          }
          default -> notes.add(msg);
        }
      }
      if (!ok) {
        deleteTree(tmp);
        throw new CompileError(String.join("\n", errors));
      }
      Files.writeString(
          tmp.resolve("notes.txt"),
          String.join("\n", notes) + (errors.isEmpty() ? "" : "\n" + String.join("\n", errors)));
      Files.writeString(tmp.resolve("ok"), "ok\n");
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        deleteTree(tmp); // another process built the same model meanwhile
        if (!Files.isRegularFile(dir.resolve("ok"))) {
          throw e;
        }
      }
    } catch (IOException e) {
      throw new KilnException(
          "cannot compile model " + name + " in " + dir.getParent() + ": " + e.getMessage(), e);
    }
  }

  private static Compiled load(Path dir, String name) {
    try {
      URLClassLoader loader = new URLClassLoader(
          new URL[] {dir.resolve("classes").toUri().toURL()}, ModelCompiler.class.getClassLoader());
      Class<?> f32 = loader.loadClass("kiln.generated." + name + "Model");
      Class<?> f64 = loader.loadClass("kiln.generated." + name + "ModelF64");
      List<String> notes = Files.readAllLines(dir.resolve("notes.txt"));
      Path irFile = dir.resolve(name + ".ir");
      String ir = Files.isRegularFile(irFile) ? Files.readString(irFile) : "";
      return new Compiled(name, f32, f64, notes, ir, dir);
    } catch (ClassNotFoundException | MalformedURLException e) {
      throw new KilnException(
          "compiled model " + name + " is missing from the cache at " + dir
              + "; delete that folder and retry",
          e);
    } catch (IOException e) {
      throw new KilnException("cannot read compiled model at " + dir + ": " + e.getMessage(), e);
    }
  }

  static String render(List<Diagnostic> diags, Program program) {
    DiagnosticRenderer r = new DiagnosticRenderer(program.sources());
    StringBuilder sb = new StringBuilder();
    for (Diagnostic d : diags) {
      if (d.severity() != Severity.NOTE) {
        sb.append(sb.isEmpty() ? "" : "\n").append(r.render(d));
      }
    }
    return sb.toString();
  }

  private static String javaString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 32 || c > 126) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  static void deleteTree(Path p) {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(q -> {
        try {
          Files.deleteIfExists(q);
        } catch (IOException e) {
          // best effort
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }

  /** Config overrides from {@code --set k=v} flags, as the processor's config text. */
  public static String configText(Map<String, String> sets) {
    StringBuilder sb = new StringBuilder();
    sets.forEach(
        (k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append('=').append(v));
    return sb.toString();
  }
}
