package dev.kiln.processor.frontend.annotations;

import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;

/**
 * Annotation lookup by mirror. Kiln's annotations have source retention and may hold {@code Class}
 * values, so they are read as mirrors, never through reflection.
 */
final class Mirrors {
  private Mirrors() {}

  static String qualifiedName(AnnotationMirror m) {
    return ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().toString();
  }

  /** The annotation of type {@code qualifiedName} on {@code e}, or null. */
  static AnnotationMirror find(Element e, String qualifiedName) {
    for (AnnotationMirror m : e.getAnnotationMirrors()) {
      if (qualifiedName(m).equals(qualifiedName)) {
        return m;
      }
    }
    return null;
  }

  /** The value of {@code attribute} when written explicitly, else null. */
  static AnnotationValue explicit(AnnotationMirror m, String attribute) {
    return find(m.getElementValues(), attribute);
  }

  static AnnotationValue find(
      Map<? extends ExecutableElement, ? extends AnnotationValue> values, String attribute) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : values.entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(attribute)) {
        return e.getValue();
      }
    }
    return null;
  }
}
