package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Layer normalisation of the method's parameter over its last dim, with a learned gain and bias. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface LayerNorm {
  /** The variance epsilon. */
  String eps() default "1e-5";
}
