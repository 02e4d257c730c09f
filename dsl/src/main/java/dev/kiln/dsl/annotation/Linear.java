package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** An affine map {@code x·W + b} of the method's parameter over its last dim. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface Linear {
  /** Output width. */
  String out();

  /** Whether to add a bias. */
  boolean bias() default true;

  /** A method whose weight is reused: an {@link Embedding} table is used transposed; empty for an own weight. */
  String tiedTo() default "";

  /** Initialiser of the weight; empty for the default. */
  String init() default "";
}
