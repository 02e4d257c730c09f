package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Multi-head attention (with its projections) of the method's {@code [B, T, d]} parameter. */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface Attention {
  /** Number of heads. */
  String heads();

  /** Mask expression, e.g. {@code "causal"} or {@code "causal & band(256)"}. */
  String mask() default "full";

  /** Width of one head; empty for width / heads. */
  String headDim() default "";

  /** Dropout of the attention weights. */
  String dropout() default "0";

  /** Whether the projections have biases. */
  boolean bias() default true;

  /** A method or input giving the keys and values (cross-attention); empty for self-attention. */
  String kv() default "";
}
