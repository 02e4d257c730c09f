package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Mean cross-entropy of the softmax of the method's first parameter (logits) against its second (class ids). */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface CrossEntropy {
  /** A target id that contributes nothing. */
  String ignoreIndex() default "-100";

  /** Label smoothing in [0, 1). */
  String labelSmoothing() default "0";
}
