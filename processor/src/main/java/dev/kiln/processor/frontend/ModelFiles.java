package dev.kiln.processor.frontend;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.dsl.parse.ModelParser;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.sema.Program;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The {@code .model} front end: parses a file and, transitively, the files it imports, and collects
 * their models and blocks into one {@link Program}. Every file is parsed once; import cycles are
 * harmless. A name declared twice (in one file or across imports) is an error at the second place.
 */
public final class ModelFiles {
  private final SourceResolver resolver;
  private final Diagnostics diags;
  private final Program program = new Program();
  private final Set<String> loaded = new HashSet<>();

  private ModelFiles(SourceResolver resolver, Diagnostics diags) {
    this.resolver = resolver;
    this.diags = diags;
  }

  /** Loads {@code root} and its imports. */
  public static Program load(SourceText root, SourceResolver resolver, Diagnostics diags) {
    ModelFiles files = new ModelFiles(resolver, diags);
    files.add(root);
    return files.program;
  }

  /** Adds an already-parsed unit (the annotation front end) and loads what it imports. */
  public static Program fromUnit(CompilationUnit unit, SourceResolver resolver, Diagnostics diags) {
    ModelFiles files = new ModelFiles(resolver, diags);
    files.addUnit(unit);
    return files.program;
  }

  private void add(SourceText source) {
    if (!loaded.add(source.name())) {
      return;
    }
    program.sources().put(source.name(), source);
    dev.kiln.dsl.parse.ParseResult result = ModelParser.parse(source);
    for (Diagnostic d : result.diagnostics()) {
      diags.report(d);
    }
    if (result.unit() != null) {
      addUnit(result.unit());
    }
  }

  private void addUnit(CompilationUnit unit) {
    for (Decl d : unit.decls()) {
      boolean dup =
          program.models().containsKey(d.name()) || program.blocks().containsKey(d.name());
      if (dup) {
        Message.DUPLICATE_DEFINITION.report(
            diags, d.span(), d instanceof Decl.Model ? "model" : "block", d.name());
        continue;
      }
      switch (d) {
        case Decl.Model m -> program.models().put(m.name(), m);
        case Decl.Block b -> program.blocks().put(b.name(), b);
      }
    }
    for (CompilationUnit.Import imp : unit.imports()) {
      SourceText text;
      try {
        text = resolver.resolve(unit.file(), imp.path());
      } catch (UncheckedIOException e) {
        Message.MODEL_FILE.report(diags, imp.span(), e.getMessage());
        continue;
      }
      if (text == null) {
        Message.IMPORT_NOT_FOUND.report(diags, imp.span(), imp.path());
        continue;
      }
      add(text);
    }
  }

  /** A span for the whole of a request (no position). */
  static Span nowhere(String what) {
    return Span.element(what, null);
  }
}
