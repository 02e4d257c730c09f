package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Applies a {@link Block} {@code times} times in sequence, layer {@code i} with its own weights {@code <method>.i.*}. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface Repeat {
  /** How many layers, an expression over the configuration, e.g. {@code "layers"}. */
  String times();

  /** The {@link Block} interface applied at every layer. */
  Class<?> block();
}
