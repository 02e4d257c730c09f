package dev.kiln.processor.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.dsl.diag.SourceText;
import dev.kiln.processor.Pipeline;
import dev.kiln.processor.frontend.ModelFiles;
import dev.kiln.processor.sema.Program;
import java.util.Map;

/**
 * Fuzz target for the {@code .model} front end and checker: any text is parsed, and every model in
 * it elaborated, differentiated and planned. The only acceptable outcomes are a compiled model or
 * diagnostics with a position and a message: never an exception, a hang, or an internal error.
 * Corpus (replayed in every build): {@code src/test/resources/dev/kiln/processor/fuzz/
 * ModelFuzzTestInputs/parseAndCheck/}, seeded with the stdlib's model files. Fuzz longer with
 * {@code JAZZER_FUZZ=1 mvn -pl processor test -Dtest=ModelFuzzTest -Djazzer.max_duration=10m}.
 */
class ModelFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void parseAndCheck(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Diagnostics diags = new Diagnostics();
    Program program =
        ModelFiles.load(new SourceText("fuzz.model", text), (from, path) -> null, diags);
    for (String model : program.models().keySet()) {
      Pipeline.run(program, model, Map.of(), null, diags);
    }
    for (Diagnostic d : diags.all()) {
      if (d.message() == null || d.message().isBlank() || d.span() == null) {
        throw new AssertionError("a diagnostic without a message or a place: " + d);
      }
      if (d.code().equals(dev.kiln.processor.diag.Message.INTERNAL.code)) {
        throw new AssertionError("internal error on user input: " + d.message());
      }
    }
  }
}
