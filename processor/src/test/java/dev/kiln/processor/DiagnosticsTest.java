package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of mistake a user can make in a {@code .model} file, compiled through javac with the
 * processor: the exact message, its model-file position, and the javac line it is attached to.
 */
class DiagnosticsTest {
  @TempDir
  Path dir;

  private static final String HEAD = """
      model M(vocab = 11, d = 16, heads = 4) {
        input tokens: int[B, T <= 8]
        input targets: int[B, T]
      """;

  private Compilation compile(String body) {
    return ModelCompilation.compile(dir, "m.model", HEAD + body + "}\n", "");
  }

  private static void error(Compilation c, String text) {
    assertThat(c).failed();
    assertThat(c)
        .hadErrorContaining(text)
        .inFile(ModelCompilation.stub("m.model", ""))
        .onLine(ModelCompilation.ANNOTATION_LINE);
  }

  @Test
  void syntaxError() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d
          output loss = cross_entropy(linear(x, vocab), targets)
        """);
    error(c, "m.model:4:33: error: expected ')' to close the call to 'embedding' opened at 4:16");
  }

  @Test
  void unknownName() {
    Compilation c = compile("""
          x = embedding(tokenz, vocab, d)
          output loss = cross_entropy(linear(x, vocab), targets)
        """);
    assertThat(c).hadErrorCount(1);
    error(c, "m.model:4:17: error: unknown name 'tokenz'");
    error(c, "4 |   x = embedding(tokenz, vocab, d)");
    error(c, "  |                 ^^^^^^");
    error(c, "hint: did you mean 'tokens'?");
  }

  @Test
  void unknownOp() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(lnear(x, vocab), targets)
        """);
    error(c, "m.model:5:31: error: unknown op 'lnear'");
    error(c, "hint: did you mean 'linear'?");
  }

  @Test
  void missingArgument() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x), targets)
        """);
    error(c, "m.model:5:31: error: linear is missing argument 'out'");
  }

  @Test
  void wrongArgument() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x, out = x), targets)
        """);
    error(
        c,
        "m.model:5:47: error: linear: argument 'out' must be an integer, got a tensor f32[B,T,16]");
  }

  @Test
  void unknownArgumentSuggestsTheRightOne() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x, vocab, bais = false), targets)
        """);
    error(c, "m.model:5:48: error: linear has no argument 'bais'");
    error(c, "hint: did you mean 'bias'?");
  }

  @Test
  void addDimMismatch() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          y = x + linear(x, 8)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    error(c, "m.model:5:7: error: cannot add f32[B,T,16] and f32[B,T,8]: shapes differ");
  }

  @Test
  void matmulDimMismatch() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          w = param([8, 4])
          y = matmul(x, w)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    error(c, "m.model:6:7: error: cannot multiply [B,T,16] by [8,4]: inner dims 16 and 8 differ");
  }

  @Test
  void concatDimMismatch() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          y = concat(x, embedding(positions(T), 8, 4), axis = -1)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    error(c, "m.model:5:7: error: cannot concat [B,T,16] and [T,4]: ranks differ");
  }

  @Test
  void headsMustDivideWidth() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          y = attention(x, 5, causal)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    error(c, "m.model:5:20: error: attention heads (5) must divide the width (16)");
    error(c, "hint: give head_dim explicitly, or choose a number of heads that divides 16");
  }

  @Test
  void explicitHeadDimMakesAnyHeadCountLegal() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          y = attention(x, 5, causal, head_dim = 8)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    assertThat(c).succeeded();
  }

  @Test
  void maskOutsideAttention() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d)
          y = linear(causal, 4)
          output loss = cross_entropy(linear(x, vocab), targets)
        """);
    error(c, "m.model:5:14: error: mask 'causal' used outside attention");
    error(c, "hint: masks can only be passed to attention(..., mask = ...)");
  }

  @Test
  void divisionByZeroInConfig() {
    Compilation c = ModelCompilation.compile(dir, "m.model", """
        model M(vocab = 11, d = 16, heads = 4, ff = d / (heads - 4)) {
          input tokens: int[B, T]
          input targets: int[B, T]
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x, vocab), targets)
        }
        """, "");
    error(c, "m.model:1:45: error: division by zero in configuration expression 'd / (heads - 4)'");
  }

  @Test
  void divisionOfATensorByZero() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d) / 0
          output loss = cross_entropy(linear(x, vocab), targets)
        """);
    error(
        c,
        "m.model:4:37: error: division by zero in 'embedding(...) / 0' (a tensor divided by zero)");
  }

  @Test
  void nonPositiveDim() {
    Compilation c = compile("""
          x = embedding(tokens, vocab, d - 16)
          output loss = cross_entropy(linear(x, vocab), targets)
        """);
    error(c, "m.model:4:32: error: embedding dim must be positive, got 0");
  }

  @Test
  void tiedWeightOfTheWrongShape() {
    Compilation c = compile("""
          tok = embedding(tokens, vocab, d)
          h = linear(tok, 8)
          logits = linear(h, vocab, weight = tok.weight^T)
          output loss = cross_entropy(logits, targets)
        """);
    error(
        c,
        "m.model:6:38: error: tied weight 'tok.weight^T' has shape [11,16] (used as [16,11]), but linear from width 8 to 11 needs [8,11]");
  }

  @Test
  void unusedInputIsAWarning() {
    Compilation c = ModelCompilation.compile(dir, "m.model", """
        model M(vocab = 11, d = 16) {
          input tokens: int[B, T]
          input extra: float[B, 3]
          input targets: int[B, T]
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x, vocab), targets)
        }
        """, "");
    assertThat(c).succeeded();
    assertThat(c).hadWarningContaining("m.model:3:3: warning: input 'extra' is never used");
  }

  @Test
  void everyIndependentErrorOfAFileIsReportedInOneRun() {
    Compilation c = compile("""
          x = embedding(tokenz, vocab, d)
          y = attention(embedding(tokens, vocab, d), 3)
          z = lnear(y, 4)
          output loss = cross_entropy(linear(y, vocab), targets)
        """);
    assertThat(c).hadErrorCount(3);
    error(c, "m.model:4:17: error: unknown name 'tokenz'");
    error(c, "m.model:5:46: error: attention heads (3) must divide the width (16)");
    error(c, "m.model:6:7: error: unknown op 'lnear'");
  }

  @Test
  void unknownConfigOverride() {
    Compilation c = ModelCompilation.compile(dir, "m.model", HEAD + """
          x = embedding(tokens, vocab, d)
          output loss = cross_entropy(linear(x, vocab), targets)
        }
        """, "layerz=2");
    assertThat(c).failed();
    assertThat(c).hadErrorContaining("model M has no parameter 'layerz'");
  }

  @Test
  void missingModelFile() {
    Compilation c = com.google.testing.compile.Compiler.javac()
        .withProcessors(new KilnProcessor())
        .withOptions("-Akiln.modelPath=" + dir)
        .compile(ModelCompilation.stub("nowhere.model", ""));
    assertThat(c).failed();
    assertThat(c).hadErrorContaining("cannot find model file 'nowhere.model'");
  }

  @Test
  void validModelCompilesWithoutWarnings() {
    Compilation c = compile("""
          tok = embedding(tokens, vocab, d)
          x = add_positions(tok, max = 8)
          x = x + attention(layernorm(x), heads, causal & band(4))
          x = x + linear(gelu(linear(layernorm(x), 4 * d)), d)
          logits = linear(layernorm(x), vocab, weight = tok.weight^T, bias = false)
          output loss = cross_entropy(logits, targets, label_smoothing = 0.1)
          output logits
        """);
    assertThat(c).succeeded();
    assertThat(c).generatedSourceFile("test.StubModel");
    assertThat(c).generatedSourceFile("test.StubModelF64");
    assertThat(c).hadNoteContaining("model M: ");
  }
}
