package dev.kiln.processor;

import com.palantir.javapoet.JavaFile;
import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.DiagnosticRenderer;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.emit.JavaEmitter;
import dev.kiln.processor.emit.Precision;
import dev.kiln.processor.frontend.AnnotatedModelReader;
import dev.kiln.processor.frontend.ConfigText;
import dev.kiln.processor.frontend.ElementOrigin;
import dev.kiln.processor.frontend.FileSystemResolver;
import dev.kiln.processor.frontend.ModelFiles;
import dev.kiln.processor.frontend.SourceResolver;
import dev.kiln.processor.ir.IrPrinter;
import dev.kiln.processor.sema.Program;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/** Compiles one {@code @Model} interface: read, check, differentiate, plan, emit, report. */
final class ModelJob {
  private final ProcessingEnvironment env;
  private final TypeElement iface;
  private final AnnotationMirror mirror;
  private final Diagnostics diags = new Diagnostics();

  /** What this job reported, with catalogue codes (which javac's rendering does not show); for tests. */
  List<dev.kiln.dsl.diag.Diagnostic> diagnostics() {
    return diags.all();
  }

  private Program program;

  ModelJob(ProcessingEnvironment env, TypeElement iface) {
    this.env = env;
    this.iface = iface;
    this.mirror = modelMirror(iface);
  }

  private static AnnotationMirror modelMirror(TypeElement e) {
    for (AnnotationMirror m : e.getAnnotationMirrors()) {
      if (((TypeElement) m.getAnnotationType().asElement())
          .getQualifiedName()
          .contentEquals(KilnProcessor.MODEL)) {
        return m;
      }
    }
    throw new IllegalStateException("no @Model on " + e);
  }

  private AnnotationValue value(String name) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        mirror.getElementValues().entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private String string(String name) {
    AnnotationValue v = value(name);
    return v == null ? "" : String.valueOf(v.getValue());
  }

  private Span spanOf(String attribute) {
    return Span.element(
        iface.getSimpleName() + ".java", new ElementOrigin(iface, mirror, value(attribute)));
  }

  void run() {
    String source = string("source");
    String configText = string("config");
    List<Param> config =
        ConfigText.parse(configText, iface.getSimpleName() + " @Model(config)", diags);
    if (config == null) {
      report();
      return;
    }
    String modelName;
    if (!source.isEmpty()) {
      SourceText text = findSource(source);
      if (text == null) {
        report();
        return;
      }
      program = ModelFiles.load(text, resolver(), diags);
      modelName = chooseModel(text.name());
    } else {
      CompilationUnit unit = AnnotatedModelReader.read(env, iface, config, diags);
      program = unit == null ? new Program() : ModelFiles.fromUnit(unit, resolver(), diags);
      modelName = iface.getSimpleName().toString();
      config = List.of(); // the configuration became the model's parameter defaults
    }
    Pipeline.Compiled compiled = null;
    if (modelName != null && !diags.hasErrors()) {
      compiled =
          Pipeline.run(program, modelName, ConfigText.overrides(config), spanOf("config"), diags);
    }
    report();
    if (compiled != null) {
      emit(compiled);
    }
  }

  private String chooseModel(String file) {
    String wanted = string("name");
    Map<String, Decl.Model> models = program.models();
    if (!wanted.isEmpty()) {
      if (models.containsKey(wanted)) {
        return wanted;
      }
      Message.NO_SUCH_MODEL.reportWithHint(
          diags,
          spanOf("name"),
          "it declares: " + String.join(", ", models.keySet()),
          file + " declares no model '" + wanted + "'");
      return null;
    }
    String own = iface.getSimpleName().toString();
    if (models.containsKey(own)) {
      return own;
    }
    if (models.size() == 1) {
      return models.keySet().iterator().next();
    }
    if (!diags.hasErrors()) {
      Message.NO_SUCH_MODEL.reportWithHint(
          diags,
          spanOf("source"),
          models.isEmpty()
              ? null
              : "add name = \"...\" to @Model; it declares: " + String.join(", ", models.keySet()),
          models.isEmpty()
              ? file + " declares no model"
              : file + " declares several models and none is named " + own);
    }
    return null;
  }

  // -----------------------------------------------------------------------------------------------
  // Finding model files

  private List<Path> searchPath() {
    List<Path> dirs = new ArrayList<>();
    String option = env.getOptions().get(KilnProcessor.OPTION_MODEL_PATH);
    if (option != null) {
      for (String p : option.split(java.io.File.pathSeparator)) {
        if (!p.isBlank()) {
          dirs.add(Path.of(p.strip()));
        }
      }
    }
    Path javaDir = javaSourceDir();
    if (javaDir != null) {
      dirs.add(javaDir);
      // Maven layout: a .model file beside the interface in src/main/resources.
      String s = javaDir.toString();
      int i = s.lastIndexOf(java.io.File.separator + "java" + java.io.File.separator);
      if (i >= 0) {
        dirs.add(
            Path.of(s.substring(0, i) + java.io.File.separator + "resources" + s.substring(i + 5)));
      }
    }
    return dirs;
  }

  /** The directory of the interface's own .java file, when it is a file on disk. */
  private Path javaSourceDir() {
    try {
      com.sun.source.util.Trees trees = com.sun.source.util.Trees.instance(env);
      com.sun.source.util.TreePath path = trees.getPath(iface);
      if (path == null) {
        return null;
      }
      URI uri = path.getCompilationUnit().getSourceFile().toUri();
      return "file".equals(uri.getScheme()) ? Path.of(uri).getParent() : null;
    } catch (IllegalArgumentException
        | UnsupportedOperationException
        | java.nio.file.FileSystemNotFoundException e) {
      return null; // not javac, or an in-memory source
    }
  }

  /** The stdlib's model files, found on the classpath (the kiln-stdlib jar) by any user's model. */
  static final String STDLIB_MODELS = "dev.kiln.stdlib.models";

  /**
   * Files on disk first (the search path), then the compile classpath and source path: the
   * interface's own package, then the stdlib's model folder, so {@code source = "bert.model"} and
   * {@code import "gpt2.model"} find the stdlib's files in its jar.
   */
  private SourceResolver resolver() {
    FileSystemResolver disk = new FileSystemResolver(searchPath());
    return (fromFile, path) -> {
      SourceText found = disk.resolve(fromFile, path);
      return found != null ? found : onClasspath(path);
    };
  }

  private SourceText onClasspath(String path) {
    for (String pkg : List.of(packageName(), STDLIB_MODELS)) {
      for (StandardLocation loc :
          List.of(StandardLocation.SOURCE_PATH, StandardLocation.CLASS_PATH)) {
        try {
          FileObject fo = env.getFiler().getResource(loc, pkg, path);
          return new SourceText(path, fo.getCharContent(true).toString());
        } catch (IOException | IllegalArgumentException e) {
          // not there; try the next location
        }
      }
    }
    return null;
  }

  private SourceText findSource(String source) {
    try {
      SourceText found = resolver().resolve(null, source);
      if (found != null) {
        return found;
      }
    } catch (UncheckedIOException e) {
      Message.MODEL_FILE.report(diags, spanOf("source"), e.getMessage());
      return null;
    }
    Message.MODEL_FILE.reportWithHint(
        diags,
        spanOf("source"),
        "put it next to " + iface.getSimpleName() + ".java or in src/main/resources/"
            + packageName().replace('.', '/') + ", or pass -A" + KilnProcessor.OPTION_MODEL_PATH
            + "=<dir>",
        "cannot find model file '" + source + "'");
    return null;
  }

  private String packageName() {
    PackageElement pkg = env.getElementUtils().getPackageOf(iface);
    return pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();
  }

  // -----------------------------------------------------------------------------------------------
  // Reporting and emitting

  private void report() {
    DiagnosticRenderer renderer =
        new DiagnosticRenderer(program == null ? Map.of() : program.sources());
    for (Diagnostic d : diags.all()) {
      javax.tools.Diagnostic.Kind kind =
          switch (d.severity()) {
            case ERROR -> javax.tools.Diagnostic.Kind.ERROR;
            case WARNING -> javax.tools.Diagnostic.Kind.WARNING;
            case NOTE -> javax.tools.Diagnostic.Kind.NOTE;
          };
      Span span = d.span();
      if (span != null && span.origin() instanceof ElementOrigin o) {
        String text = d.message() + (d.hint() == null ? "" : "\n  hint: " + d.hint());
        if (o.value() != null && o.mirror() != null) {
          env.getMessager().printMessage(kind, text, o.element(), o.mirror(), o.value());
        } else if (o.mirror() != null) {
          env.getMessager().printMessage(kind, text, o.element(), o.mirror());
        } else {
          env.getMessager().printMessage(kind, text, o.element());
        }
      } else {
        // A position in a .model file: the message carries file:line:col and the quoted line.
        AnnotationValue source = value("source");
        if (source != null) {
          env.getMessager().printMessage(kind, renderer.render(d), iface, mirror, source);
        } else {
          env.getMessager().printMessage(kind, renderer.render(d), iface, mirror);
        }
      }
    }
  }

  private void emit(Pipeline.Compiled c) {
    String pkg = packageName();
    for (Precision p : Precision.values()) {
      String base = iface.getSimpleName().toString();
      JavaFile file = JavaEmitter.emit(pkg, base, c.graph(), c.plan(), p);
      try {
        file.writeTo(env.getFiler());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot write generated " + JavaEmitter.className(base, p), e);
      }
    }
    env.getMessager()
        .printMessage(
            javax.tools.Diagnostic.Kind.NOTE,
            Summary.of(c, env.getOptions().get(KilnProcessor.OPTION_PLAN_DIMS)),
            iface);
    String dumpDir = env.getOptions().get(KilnProcessor.OPTION_DUMP_IR);
    if (dumpDir != null) {
      Path out = Path.of(dumpDir).resolve(c.graph().name() + ".ir");
      try {
        Files.createDirectories(out.getParent());
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
          w.write(IrPrinter.print(c.graph()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write IR dump " + out, e);
      }
    }
  }
}
