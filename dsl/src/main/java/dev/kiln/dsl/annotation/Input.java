package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A model input named like the parameter (or parameterless method): {@link Ids} for int, {@link Tensor} for float. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target({ElementType.PARAMETER, ElementType.METHOD})
public @interface Input {
  /** Comma-separated dims: run-time names ({@code B}, {@code T <= ctx}) or sizes ({@code 64}, {@code d}). */
  String value();
}
