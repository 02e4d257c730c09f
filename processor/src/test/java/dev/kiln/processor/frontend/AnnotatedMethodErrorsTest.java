package dev.kiln.processor.frontend;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.KilnProcessor;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Mistakes in the shape of an annotated interface that the front end itself reports: all of them in
 * one run, each on its element, annotation or annotation value.
 */
class AnnotatedMethodErrorsTest {
  private JavaFileObject source;

  /** Compiles {@code test.M}; lines 1-4 are the package and import, so {@code body[0]} is line 5. */
  private Compilation compile(String... body) {
    List<String> lines =
        new ArrayList<>(List.of("package test;", "", "import dev.kiln.dsl.annotation.*;", ""));
    lines.addAll(List.of(body));
    source = JavaFileObjects.forSourceLines("test.M", lines);
    return javac()
        .withProcessors(new KilnProcessor())
        .withOptions("--add-modules", "jdk.incubator.vector")
        .compile(source);
  }

  private void error(Compilation c, String text, int line) {
    assertThat(c).hadErrorContaining(text).inFile(source).onLine(line);
  }

  @Test
  void everyIndependentMistakeIsReportedOnce() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64, layers = 2\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T <= 8\") Ids tokens);", // 8
        "  Tensor nothing(Tensor tok);", // 9
        "  @Add", // 10
        "  Tensor sum(Tensor tok);", // 11
        "  default Tensor helper(Tensor tok) { return tok; }", // 12
        "  @Relu <T> Tensor gen(Tensor tok);", // 13
        "  @Relu float[] arr(Tensor tok);", // 14
        "  @Relu Tensor str(String tok);", // 15
        "  @Repeat(times = \"layers\", block = String.class)", // 16
        "  Tensor h(Tensor tok);", // 17
        "  @Repeat(times = \"layers\", block = Blk.class)", // 18
        "  Tensor h2(Tensor tok, Tensor sum);", // 19
        "  @Relu Tensor r(@Input(\"B, T\") Ids tokens);", // 20
        "  @Relu Tensor r2(Ids tok);", // 21
        "  @Relu Tensor d(Tensor tok);", // 22
        "  @Linear(out = \"\", tiedTo = \"tokk\")", // 23
        "  Tensor lin(Tensor tok);", // 24
        "  @Attention(heads = \"4\", kv = \"enc\")", // 25
        "  Tensor cross(Tensor tok);", // 26
        "  @LayerNorm(eps = \"\")", // 27
        "  Tensor ln(Tensor tok);", // 28
        "  @Output @Mean Tensor loss(Tensor tok);", // 29
        "  @Relu Tensor loss(Tensor ln, Tensor tok);", // 30
        "  @Block", // 31
        "  interface Blk {", // 32
        "    @LayerNorm Tensor ln1(Tensor x);", // 33
        "    @Relu Tensor layer(@Input(\"B\") Tensor ln1);", // 34
        "  }", // 35
        "}");
    assertThat(c).failed();
    error(c, "method 'nothing' has no op annotation", 9);
    error(c, "@Add takes 2 tensor parameters, but method 'sum' has 1", 10);
    error(
        c,
        "method 'helper' has a default body; the methods of a model or block are ops, declared without a body",
        12);
    error(c, "method 'gen' is generic; a model method takes and returns Tensor or Ids", 13);
    error(c, "method 'arr' returns float[]; a model method returns Tensor or Ids", 14);
    error(
        c,
        "parameter 'tok' of str has type java.lang.String; a model method takes Tensor or Ids",
        15);
    error(c, "@Repeat(block) on 'h' must be a @Block interface, but java.lang.String is not", 16);
    error(c, "@Repeat on 'h2' passes 2 tensor(s), but block Blk has 1 input(s): x", 18);
    error(c, "input 'tokens' is declared as int[B, T] here but as int[B, T <= 8] on tok", 20);
    error(c, "parameter 'tok' of r2 is Ids, but method 'tok' returns Tensor", 21);
    error(c, "method 'd' has the name of a configuration parameter", 22);
    error(c, "@Linear(out) on 'lin' is empty", 23);
    error(c, "tiedTo 'tokk' of lin names no method", 23);
    error(c, "kv 'enc' of cross names no method or input", 25);
    error(c, "@LayerNorm(eps) on 'ln' is empty", 27);
    error(c, "method 'loss' is defined more than once", 30);
    error(c, "@Input on parameter 'ln1' of layer in block Blk: inputs belong to the model", 34);
    error(c, "'layer' is the layer index of every block; a method cannot be named so", 34);
    assertThat(c).hadErrorCount(18);
  }

  @Test
  void syntaxErrorInAnAnnotationString() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Attention(heads = \"4\",", // 9
        "      mask = \"causal & band(3\")", // 10
        "  Tensor attn(Tensor tok);", // 11
        "  @Output @Mean Tensor loss(Tensor attn);", // 12
        "}");
    error(
        c,
        "in \"causal & band(3\": expected ')' to close the call to 'band' opened at column 14",
        10);
    assertThat(c).hadErrorCount(1);
  }

  @Test
  void blockResultAndRepeatedInputs() {
    Compilation c = compile(
        "@Model(config = \"vocab = 11, d = 64\")", // 5
        "interface M {", // 6
        "  @Embedding(vocab = \"vocab\", dim = \"d\")", // 7
        "  Tensor tok(@Input(\"B, T\") Ids tokens);", // 8
        "  @Repeat(times = \"2\", block = Blk.class)", // 9
        "  Tensor h(Tensor tok);", // 10
        "  @Output @Mean Tensor loss(Tensor h);", // 11
        "  @Block", // 12
        "  interface Blk {", // 13
        "    @Output @Relu Tensor a(Tensor x);", // 14
        "    @Output @Gelu Tensor b(Tensor a);", // 15
        "  }", // 16
        "}");
    error(c, "block Blk has several @Output methods: a, b", 15);
    assertThat(c).hadErrorCount(1);
  }
}
