package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.diag.Diagnostics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;

/** What the interfaces of one annotated model share: the configuration names and the blocks met so far. */
final class Context {
  final Elements elements;
  final Diagnostics diags;
  final AnnotationText text;
  final Set<String> config;
  private final Map<TypeElement, InterfaceGraph> blocks = new LinkedHashMap<>();
  private boolean sawUnresolved;

  Context(Elements elements, Diagnostics diags, Set<String> config) {
    this.elements = elements;
    this.diags = diags;
    this.text = new AnnotationText(diags);
    this.config = Set.copyOf(config);
  }

  /** The block declared by {@code type}, read (and its shape checked) the first time it is referenced. */
  InterfaceGraph block(TypeElement type) {
    InterfaceGraph g = blocks.get(type);
    if (g == null) {
      g = new InterfaceGraph(this, type, true);
      blocks.put(type, g);
    }
    return g;
  }

  /**
   * Whether {@code type} is one javac could not resolve (a missing import). javac reports it; the
   * model is then not compiled at all, since everything said about it would be a consequence.
   */
  boolean unresolved(TypeMirror type) {
    boolean error = type.getKind() == TypeKind.ERROR;
    sawUnresolved |= error;
    return error;
  }

  /** Notes a mistake javac reports itself (a missing annotation attribute); the model is then skipped. */
  void javacReports() {
    sawUnresolved = true;
  }

  boolean sawUnresolved() {
    return sawUnresolved;
  }

  /** The blocks referenced so far, in order of first reference. */
  List<InterfaceGraph> blocks() {
    return new ArrayList<>(blocks.values());
  }
}
