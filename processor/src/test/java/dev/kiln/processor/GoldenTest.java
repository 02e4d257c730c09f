package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files for one model, tiny_gpt.model: its IR dump (forward graph, derived backward graph and
 * memory plan) and the generated Java source. A change to any pass or to the emitter shows up as a
 * readable diff here. After an intended change, regenerate with
 * {@code mvn -pl processor test -Dtest=GoldenTest -Dkiln.updateGoldens=true} and review the diff.
 */
class GoldenTest {
  private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("kiln.updateGoldens");

  @TempDir
  Path dir;

  private Compilation compile() throws URISyntaxException {
    Path models = Path.of(
            GoldenTest.class.getResource("/frontend/tiny_gpt.model").toURI())
        .getParent();
    return javac()
        .withProcessors(new KilnProcessor())
        .withOptions("-Akiln.dumpIr=" + dir, "-Akiln.modelPath=" + models)
        .compile(JavaFileObjects.forResource("frontend/TinyGptFromFile.java"));
  }

  @Test
  void irDump() throws Exception {
    Compilation c = compile();
    assertThat(c).succeeded();
    check("TinyGpt.ir", Files.readString(dir.resolve("TinyGpt.ir")));
  }

  @Test
  void generatedSource() throws Exception {
    Compilation c = compile();
    assertThat(c).succeeded();
    JavaFileObject model =
        c.generatedSourceFile("fromfile.TinyGptFromFileModel").orElseThrow();
    check("TinyGptFromFileModel.java.txt", model.getCharContent(true).toString());
  }

  private static void check(String name, String actual) {
    Path file = GOLDEN.resolve(name);
    try {
      if (UPDATE || !Files.exists(file)) {
        Files.writeString(file, actual);
        if (!UPDATE) {
          throw new AssertionError(
              "golden file " + file + " did not exist; written, review and commit it");
        }
        return;
      }
      assertWithMessage(
              "%s differs from the golden file; if intended, rerun with -Dkiln.updateGoldens=true",
              name)
          .that(actual)
          .isEqualTo(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
