package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.ast.Span;
import dev.kiln.processor.frontend.ElementOrigin;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;

/** Makes spans that point at Java elements, annotations and annotation values of one source file. */
record Where(String file) {

  /** The spans of elements declared in the source file of {@code element}: {@code <TopLevel>.java}. */
  static Where of(Element element) {
    Element top = element;
    while (top.getEnclosingElement() != null
        && top.getEnclosingElement().getKind() != ElementKind.PACKAGE
        && top.getEnclosingElement().getKind() != ElementKind.MODULE) {
      top = top.getEnclosingElement();
    }
    return new Where(top.getSimpleName() + ".java");
  }

  Span at(Element e) {
    return Span.element(file, new ElementOrigin(e, null, null));
  }

  Span at(Element e, AnnotationMirror mirror) {
    return Span.element(file, new ElementOrigin(e, mirror, null));
  }

  /** The value when it was written explicitly, else the annotation. */
  Span at(Element e, AnnotationMirror mirror, AnnotationValue value) {
    return Span.element(file, new ElementOrigin(e, mirror, value));
  }
}
