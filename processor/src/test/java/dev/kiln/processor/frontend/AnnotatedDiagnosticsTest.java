package dev.kiln.processor.frontend;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.KilnProcessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes in annotated model interfaces, compiled through javac with the processor: the exact
 * message and the Java line it lands on (the annotation value when one is to blame).
 */
class AnnotatedDiagnosticsTest {
  @TempDir
  Path dir;

  private JavaFileObject source;

  /** Compiles {@code test.M}; lines 1-4 are the package and import, so {@code body[0]} is line 5. */
  private Compilation compile(String... body) {
    List<String> lines =
        new ArrayList<>(List.of("package test;", "", "import dev.kiln.dsl.annotation.*;", ""));
    lines.addAll(List.of(body));
    source = JavaFileObjects.forSourceLines("test.M", lines);
    return javac()
        .withProcessors(new KilnProcessor())
        .withOptions(
            "-Akiln.dumpIr=" + dir,
            "--add-modules",
            "jdk.incubator.vector",
            "-Xlint:all",
            "-Xlint:-options")
        .compile(source);
  }

  private void error(Compilation c, String text, int line) {
    assertThat(c).failed();
    assertThat(c).hadErrorContaining(text).inFile(source).onLine(line);
  }

  @Test
  void unknownWiring() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @LayerNorm", // 9
        "  Tensor hf(Tensor tok);", // 10
        "  @Output @Linear(out = \"vocab\")", // 11
        "  Tensor logits(Tensor hf2);", // 12
        "}");
    error(c, "parameter 'hf2' of logits names no method or input", 12);
    error(c, "hint: did you mean 'hf'?", 12);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void cycle() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Add Tensor a(Tensor tok, Tensor b);", // 9
        "  @Relu Tensor b(Tensor c);", // 10
        "  @Gelu Tensor c(Tensor a);", // 11
        "  @Output @Mean Tensor loss(Tensor c);", // 12
        "}");
    error(c, "cycle in the model graph: a -> b -> c -> a", 9);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void twoOpAnnotations() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Relu", // 9
        "  @Gelu", // 10
        "  Tensor act(Tensor tok);", // 11
        "  @Output @Mean Tensor loss(Tensor act);", // 12
        "}");
    error(c, "method 'act' has two op annotations: @Relu, @Gelu", 10);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void headsDoNotDivideTheWidth() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Attention(mask = \"causal\",", // 9
        "      heads = \"5\")", // 10
        "  Tensor attn(Tensor tok);", // 11
        "  @Output @Mean Tensor loss(Tensor attn);", // 12
        "}");
    error(c, "attention heads (5) must divide the width (64)", 10);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void tiedWeightOfTheWrongShape() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Linear(out = \"32\")", // 9
        "  Tensor fc(Tensor tok);", // 10
        "  @Linear(out = \"vocab\",", // 11
        "      tiedTo = \"fc\")", // 12
        "  Tensor logits(Tensor tok);", // 13
        "  @Output @CrossEntropy", // 14
        "  Tensor loss(Tensor logits, @Input(\"B, T\") Ids targets);", // 15
        "}");
    error(
        c,
        "tied weight 'fc.weight' has shape [64,32], but linear from width 64 to 11 needs [64,11]",
        12);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void unusedInputIsAWarning() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Input(\"B\") Ids lengths();", // 7
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 8
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 9
        "  @Output @Mean Tensor loss(Tensor tok);", // 10
        "}");
    assertThat(c).succeeded();
    assertThat(c)
        .hadWarningContaining("input 'lengths' is never used")
        .inFile(source)
        .onLine(7);
  }

  @Test
  void badConfigExpression() {
    Compilation c = compile(
        "@Model(", // 5
        "    config = \"d=64, h=d/0\")", // 6
        "interface M {", // 7
        "  @Embedding(vocab = \"11\", dim = \"d\")", // 8
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 9
        "  @Output @Mean Tensor loss(Tensor tok);", // 10
        "}");
    error(c, "division by zero in configuration expression 'd / 0'", 6);
    assertThat(c).hadErrorCount(1);
  }
}
