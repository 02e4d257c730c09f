package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Adds a learned (or sinusoidal) embedding of the time positions to the method's {@code [.., T, d]} parameter. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface PositionEmbedding {
  /** Rows of the learned position table: the longest sequence. */
  String max();

  /** Use fixed sine/cosine positions instead of a learned table. */
  boolean sinusoidal() default false;
}
