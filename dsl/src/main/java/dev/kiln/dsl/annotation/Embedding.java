package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Rows of a learned {@code [vocab, dim]} table picked by the method's integer ids parameter. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface Embedding {
  /** Number of rows (an expression over the configuration). */
  String vocab();

  /** Width of a row. */
  String dim();

  /** Initialiser, e.g. {@code "normal(0.02)"}; empty for the default. */
  String init() default "";
}
