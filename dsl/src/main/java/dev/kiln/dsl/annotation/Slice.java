package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The range {@code [start, end)} of an axis of the method's parameter. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface Slice {
  /** The axis. */
  String axis();

  /** First index. */
  String start();

  /** End index, exclusive. */
  String end();
}
