package dev.kiln.processor.frontend;

import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * The origin of an AST node built from an annotated interface: the element, and when known the
 * annotation and the value the node came from, so a diagnostic lands exactly there in javac's output.
 */
public record ElementOrigin(Element element, AnnotationMirror mirror, AnnotationValue value) {}
