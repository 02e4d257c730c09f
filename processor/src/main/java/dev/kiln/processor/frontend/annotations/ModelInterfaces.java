package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Model;
import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.TypeElement;

/**
 * Reads an annotated {@code @Model} interface, and the {@code @Block} interfaces it repeats, into one
 * unit; null when javac could not resolve a type of it (javac reports that).
 */
public final class ModelInterfaces {
  private ModelInterfaces() {}

  /** See {@link dev.kiln.processor.frontend.AnnotatedModelReader#read}. */
  public static CompilationUnit read(
      ProcessingEnvironment env, TypeElement iface, List<Param> config, Diagnostics diags) {
    if (Unresolved.in(iface)) {
      return null;
    }
    Where where = Where.of(iface);
    AnnotationMirror model = Mirrors.find(iface, Model.class.getCanonicalName());
    Span configSpan =
        where.at(iface, model, model == null ? null : Mirrors.explicit(model, "config"));
    // The configuration was parsed from the annotation string: its errors belong on that value.
    List<Param> params = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Param p : config) {
      params.add(new Param(p.name(), Relocate.expr(p.defaultValue(), configSpan), configSpan));
      names.add(p.name());
    }
    Context ctx = new Context(env.getElementUtils(), diags, names);
    List<Decl> decls = new ArrayList<>();
    decls.add(new InterfaceGraph(ctx, iface, false).modelDecl(params, where.at(iface, model)));
    // Reading a block may reference further blocks; they are appended as they are met.
    for (int i = 0; i < ctx.blocks().size(); i++) {
      decls.add(ctx.blocks().get(i).blockDecl());
    }
    return ctx.sawUnresolved()
        ? null
        : new CompilationUnit(where.file(), List.of(), decls, where.at(iface));
  }
}
