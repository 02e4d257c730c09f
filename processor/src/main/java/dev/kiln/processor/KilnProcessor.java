package dev.kiln.processor;

import com.google.auto.service.AutoService;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Kiln's annotation processor: for every {@code @Model} interface it reads the declaration (from the
 * interface's annotated methods or from a {@code .model} file), checks it, differentiates it, plans
 * its memory and writes the generated model classes. No exception ever escapes into javac: anything
 * unexpected becomes an error naming the model.
 */
@AutoService(Processor.class)
public final class KilnProcessor extends AbstractProcessor {
  static final String MODEL = "dev.kiln.dsl.annotation.Model";

  /** Directories searched for {@code .model} files (path-separator separated). */
  public static final String OPTION_MODEL_PATH = "kiln.modelPath";

  /** Directory where the IR of every model is written as {@code <Name>.ir}. */
  public static final String OPTION_DUMP_IR = "kiln.dumpIr";

  /** Run-time dims for the memory summary note, e.g. {@code B=8,T=256}. */
  public static final String OPTION_PLAN_DIMS = "kiln.planDims";

  /** All of Kiln's annotations are claimed (the op annotations are read through their @Model), so javac does not warn about them. */
  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of("dev.kiln.dsl.annotation.*");
  }

  @Override
  public Set<String> getSupportedOptions() {
    return Set.of(OPTION_MODEL_PATH, OPTION_DUMP_IR, OPTION_PLAN_DIMS);
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    TypeElement model = processingEnv.getElementUtils().getTypeElement(MODEL);
    if (model == null) {
      return false;
    }
    if (!annotations.contains(model)) {
      return false;
    }
    for (Element e : round.getElementsAnnotatedWith(model)) {
      if (e.getKind() != ElementKind.INTERFACE) {
        processingEnv
            .getMessager()
            .printMessage(Diagnostic.Kind.ERROR, "@Model goes on an interface", e);
        continue;
      }
      try {
        new ModelJob(processingEnv, (TypeElement) e).run();
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError | AssertionError t) {
        String what =
            t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        processingEnv
            .getMessager()
            .printMessage(
                Diagnostic.Kind.ERROR,
                "[K0133] internal error while compiling model " + e.getSimpleName() + ": " + what
                    + "\n  hint: please report this with the model declaration",
                e);
      }
    }
    return false; // never claim: other processors may read the same annotations
  }
}
