package dev.kiln.processor.frontend;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.KilnProcessor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The annotated-interface form and the {@code .model} form of one model compile to the same IR. */
class AnnotatedModelEquivalenceTest {
  @TempDir
  Path dir;

  private static Path resources() throws URISyntaxException {
    return Path.of(AnnotatedModelEquivalenceTest.class
            .getResource("/frontend/all_ops.model")
            .toURI())
        .getParent();
  }

  private Compilation compile(JavaFileObject source, Path dump) throws URISyntaxException {
    return javac()
        .withProcessors(new KilnProcessor())
        .withOptions(
            "-Akiln.dumpIr=" + dump,
            "-Akiln.modelPath=" + resources(),
            "--add-modules",
            "jdk.incubator.vector",
            "-Xlint:all",
            "-Xlint:-options")
        .compile(source);
  }

  /** Warnings other than javac's own about the incubating Vector API and unclaimed annotations. */
  static List<String> ownWarnings(Compilation c) {
    return c.warnings().stream()
        .map(d -> d.getMessage(Locale.ROOT))
        .filter(m -> !m.contains("incubating") && !m.startsWith("No processor claimed"))
        .toList();
  }

  /** Compiles both forms of model {@code name} and returns the IR of each: annotated, then from the file. */
  private List<String> bothForms(String name) throws IOException, URISyntaxException {
    Path fromAnnotations = dir.resolve("annotated");
    Path fromFile = dir.resolve("file");
    Compilation a =
        compile(JavaFileObjects.forResource("frontend/" + name + ".java"), fromAnnotations);
    Compilation f =
        compile(JavaFileObjects.forResource("frontend/" + name + "FromFile.java"), fromFile);
    assertThat(a).succeeded();
    assertThat(f).succeeded();
    assertThat(ownWarnings(a)).isEmpty();
    return List.of(
        Files.readString(fromAnnotations.resolve(name + ".ir")),
        Files.readString(fromFile.resolve(name + ".ir")));
  }

  @Test
  void tinyGptAnnotatedEqualsModelFile() throws IOException, URISyntaxException {
    List<String> ir = bothForms("TinyGpt");
    assertThat(ir.get(0)).isEqualTo(ir.get(1));
    // Not vacuous: the dump holds both layers with their own weights, the tied head and the loss.
    assertThat(ir.get(0)).contains("param h.0.attn.qkv.weight");
    assertThat(ir.get(0)).contains("param h.1.fc.weight");
    assertThat(ir.get(0)).contains("linear weight^T no-bias(");
    assertThat(ir.get(0)).contains("\n  loss ");
    // The mask string is evaluated per layer through the implicit 'layer' parameter of the block.
    assertThat(ir.get(0)).contains("mask=causal(");
    assertThat(ir.get(0)).contains("mask=(causal & band(8))(");
  }

  @Test
  void everyOpAnnotationEqualsItsModelFileCall() throws IOException, URISyntaxException {
    List<String> ir = bothForms("AllOps");
    assertThat(ir.get(0)).isEqualTo(ir.get(1));
    assertThat(ir.get(0)).contains("cross_attention heads=2");
    assertThat(ir.get(0)).contains("matmul b^T(");
    assertThat(ir.get(0)).contains("cross_entropy ignore_index=0 label_smoothing=0.1(");
  }
}
