package dev.kiln.dsl.ast;

import java.util.List;

/** One parsed {@code .model} file (or one annotated interface): its imports, models and blocks. */
public record CompilationUnit(String file, List<Import> imports, List<Decl> decls, Span span)
    implements Node {
  public CompilationUnit {
    imports = List.copyOf(imports);
    decls = List.copyOf(decls);
  }

  /** {@code import "path.model"} — makes the models and blocks of another file visible. */
  public record Import(String path, Span span) {}
}
