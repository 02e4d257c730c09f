package dev.kiln.processor.frontend;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import java.util.List;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.TypeElement;

/** PLACEHOLDER until the annotation front end lands (being written in parallel): reports that it is missing. */
public final class AnnotatedModelReader {
  private AnnotatedModelReader() {}

  public static CompilationUnit read(ProcessingEnvironment env, TypeElement iface, List<Param> config, Diagnostics diags) {
    diags.error("K0141", Span.element(iface.getSimpleName() + ".java", new ElementOrigin(iface, null, null)),
        "annotated-method models are not available in this build", null);
    return null;
  }
}
