package dev.kiln.processor.frontend.annotations;

import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * Finds types javac could not resolve (a missing import) in an interface, its methods, parameters,
 * annotations and nested types. javac reports those itself; whatever the processor said on top would
 * be a consequence of them, so such a model is not read at all.
 */
final class Unresolved {
  private Unresolved() {}

  static boolean in(Element e) {
    if (annotations(e)) {
      return true;
    }
    if (e instanceof ExecutableElement m) {
      if (error(m.getReturnType())) {
        return true;
      }
      for (VariableElement p : m.getParameters()) {
        if (error(p.asType()) || annotations(p)) {
          return true;
        }
      }
    }
    for (Element child : e.getEnclosedElements()) {
      if (in(child)) {
        return true;
      }
    }
    return false;
  }

  private static boolean annotations(Element e) {
    for (AnnotationMirror a : e.getAnnotationMirrors()) {
      if (error(a.getAnnotationType())) {
        return true;
      }
      for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> v :
          a.getElementValues().entrySet()) {
        Object value = v.getValue().getValue();
        // javac stands in "<error>" for a value it could not evaluate, such as Missing.class.
        boolean errorValue = "<error>".equals(value)
            && !v.getKey().getReturnType().toString().equals("java.lang.String");
        if (errorValue || (value instanceof TypeMirror t && error(t))) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean error(TypeMirror t) {
    return t.getKind() == TypeKind.ERROR;
  }
}
