package dev.kiln.processor.frontend;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.frontend.annotations.ModelInterfaces;
import java.util.List;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.TypeElement;

/**
 * The annotated-interface front end: turns a {@code @Model} interface whose methods declare the graph
 * (one op annotation per method, inputs wired by parameter name) into the same AST a {@code .model}
 * file gives, with spans that point back at the Java elements and annotation values.
 */
public final class AnnotatedModelReader {
  private AnnotatedModelReader() {}

  /**
   * One {@code Decl.Model} named like {@code iface} with parameters {@code config}, plus one {@code
   * Decl.Block} per {@code @Block} interface it repeats. Every mistake is reported to {@code diags};
   * the unit is only meaningful when none was an error. Null when javac could not resolve a type the
   * interface uses (javac reports it, and anything more would be a consequence). Never throws.
   */
  public static CompilationUnit read(
      ProcessingEnvironment env, TypeElement iface, List<Param> config, Diagnostics diags) {
    return ModelInterfaces.read(env, iface, config, diags);
  }
}
