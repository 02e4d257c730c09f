package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.diag.SourceText;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything one compilation can see: the models and blocks of a file and of the files it imports,
 * plus the source texts (for quoting declaration lines in generated comments and diagnostics).
 */
public final class Program {
  private final Map<String, Decl.Model> models = new LinkedHashMap<>();
  private final Map<String, Decl.Block> blocks = new LinkedHashMap<>();
  private final Map<String, SourceText> sources = new LinkedHashMap<>();

  public Map<String, Decl.Model> models() {
    return models;
  }

  public Map<String, Decl.Block> blocks() {
    return blocks;
  }

  public Map<String, SourceText> sources() {
    return sources;
  }

  /** The trimmed text of a source line, or "" when unknown. */
  public String line(String file, int line) {
    SourceText s = sources.get(file);
    return s == null ? "" : s.line(line).strip();
  }
}
