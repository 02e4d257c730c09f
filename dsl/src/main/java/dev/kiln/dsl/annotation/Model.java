package dev.kiln.dsl.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a model. Either the annotated interface's methods declare the graph (one op annotation per
 * method, wired by parameter names), or {@link #source} names a {@code .model} file that declares it.
 * The processor generates {@code <Interface>Model} (float32) and {@code <Interface>ModelF64}
 * (float64, for gradient checks) in the interface's package, named after the interface so one model
 * file can be bound in several configurations.
 *
 * <pre>
 * &#64;Model(source = "tiny_gpt.model", config = "layers=2, d=64")
 * public interface TinyGpt {}
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.TYPE)
public @interface Model {
  /**
   * A {@code .model} file declaring the model, found next to the interface's source file, on the
   * source path, on the class path, or on the processor option {@code -Akiln.modelPath}.
   */
  String source() default "";

  /**
   * The model to take from {@link #source} when the file declares several; by default the one named
   * like the interface, or the file's only model.
   */
  String name() default "";

  /**
   * Configuration: default values of the model's parameters for the annotated-method form, or
   * overrides of the file's defaults for the {@link #source} form. Comma-separated {@code key=value}
   * pairs whose values are numbers, true/false or expressions over earlier keys ({@code d=64, ff=4*d}).
   */
  String config() default "";
}
