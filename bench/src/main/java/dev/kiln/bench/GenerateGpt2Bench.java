package dev.kiln.bench;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.Generator.Response;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.tokenize.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * GPT-2 124M text generation, batch 1: a short prompt, then {@code N} (default 128) new tokens,
 * greedy, with a KV cache. Kiln's {@link Generator} on the generated {@code Gpt2SmallModel} (its
 * compiled KV-cache decoder) against the same weights in PyTorch eager ({@link TorchGpt2}: a
 * preallocated cache per layer, one forward per new token, as HF's {@code generate} does) and in
 * Jlama (loading a HuggingFace folder written from Kiln's weights, through its own {@code generate}).
 * All get the same threads. Each measurement is the whole call, prompt included; throughput is new
 * tokens per second. Before timing, Kiln's and PyTorch's greedy tokens must be identical; Jlama's
 * text is compared with Kiln's decoded text and the result printed.
 */
final class GenerateGpt2Bench {
  private GenerateGpt2Bench() {}

  private static final long SEED = 1;
  private static final String PROMPT =
      "It is a truth universally acknowledged, that a single man in possession of a good fortune";

  @SuppressWarnings("try") // the guard and scopes are used only for their extent
  static void run(int runs, int newTokens) {
    int threads = Bench.threads();
    TorchGpt2.setThreads(threads);
    Gpt2Tokenizer tok = Gpt2Text.tokenizer();
    int[] prompt = tok.encode(PROMPT);
    System.out.println("generate-gpt2: GPT-2 124M, batch 1, prompt of " + prompt.length
        + " tokens + " + newTokens + " new tokens, greedy with a KV cache; Kiln vs PyTorch eager"
        + " (libtorch CPU) and Jlama, " + threads + " threads each");
    Gpt2SmallModel kiln = new Gpt2SmallModel();
    kiln.initialize(SEED);
    if (prompt.length + newTokens > kiln.maxPositions()) {
      throw new IllegalArgumentException(
          "prompt + new tokens exceed the context of " + kiln.maxPositions());
    }
    Path folder = HfGpt2Folder.write(kiln, Bench.workDir().resolve("gpt2-124m-seed" + SEED));
    AbstractModel jlama = ModelSupport.loadModel(
        folder.toFile(), null, DType.F32, DType.F32, Optional.empty(), Optional.of(threads));

    try (TorchGpt2 ref = new TorchGpt2(kiln, false)) {
      ref.startCache();
      int[] mine = kilnGenerate(kiln, prompt, newTokens);
      int[] theirs = torchGenerate(ref, prompt, newTokens);
      int mismatch = firstMismatch(mine, theirs);
      String kilnText = tok.decode(Arrays.copyOfRange(mine, prompt.length, mine.length));
      System.out.println("  check: Kiln and PyTorch greedy tokens "
          + (mismatch < 0
              ? "identical (" + newTokens + " of " + newTokens + ")"
              : "differ from new token " + (mismatch - prompt.length)));
      System.out.println("  Kiln's text: " + abbreviate(kilnText));
      if (mismatch >= 0) {
        throw new IllegalStateException(
            "Kiln " + Arrays.toString(mine) + " vs PyTorch " + Arrays.toString(theirs));
      }
      // Jlama puts <|endoftext|> before every prompt (AbstractModel.addBosToken); Kiln runs the
      // same tokens once more so that the texts can be compared.
      int jlamaPrompt = prompt.length + jlamaBos(jlama, prompt.length);
      int[] same = jlamaPrompt > prompt.length ? withEndOfText(prompt) : prompt;
      int[] kilnSame = kilnGenerate(kiln, same, newTokens);
      String kilnSameText = tok.decode(Arrays.copyOfRange(kilnSame, same.length, kilnSame.length));
      Response first = jlamaGenerate(jlama, newTokens, jlamaPrompt);
      System.out.println("  Jlama: prompt of " + jlamaPrompt + " tokens"
          + (jlamaPrompt > prompt.length ? " (it prepends <|endoftext|>)" : "") + ", "
          + (first.generatedTokens + 1) + " new tokens; text "
          + (first.responseText.equals(kilnSameText)
              ? "identical to Kiln's on the same tokens"
              : "differs from Kiln's on the same tokens at character "
                  + firstMismatch(first.responseText, kilnSameText) + ": Jlama "
                  + abbreviate(first.responseText) + ", Kiln " + abbreviate(kilnSameText)));

      // Warm-up beyond the checked generations.
      var _ = kilnGenerate(kiln, prompt, newTokens);
      var _ = torchGenerate(ref, prompt, newTokens);
      var _ = jlamaGenerate(jlama, newTokens, jlamaPrompt);

      double[] k = new double[runs];
      double[] o = new double[runs];
      double[] j = new double[runs];
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        var _ = kilnGenerate(kiln, prompt, newTokens);
        long t1 = System.nanoTime();
        var _ = torchGenerate(ref, prompt, newTokens);
        long t2 = System.nanoTime();
        Response jr = jlamaGenerate(jlama, newTokens, jlamaPrompt);
        long t3 = System.nanoTime();
        k[r] = newTokens / ((t1 - t0) / 1e9);
        o[r] = newTokens / ((t2 - t1) / 1e9);
        j[r] = (jr.generatedTokens + 1) / ((t3 - t2) / 1e9);
        System.out.printf(
            Locale.ROOT,
            "  run %d  kiln %7.1f ms (%5.1f tokens/s)   pytorch %7.1f ms (%5.1f tokens/s)   jlama"
                + " %7.1f ms (%5.1f tokens/s)%n",
            r + 1,
            (t1 - t0) / 1e6,
            k[r],
            (t2 - t1) / 1e6,
            o[r],
            (t3 - t2) / 1e6,
            j[r]);
      }
      double kilnRate = Bench.median(k);
      System.out.printf(
          Locale.ROOT,
          "generate-gpt2 (jlama): kiln=%.1f tokens/s jlama=%.1f tokens/s ratio=%.2f%n",
          kilnRate,
          Bench.median(j),
          kilnRate / Bench.median(j));
      Bench.summary("generate-gpt2", kilnRate, Bench.median(o), "tokens/s");
    }
  }

  private static int[] kilnGenerate(Gpt2SmallModel kiln, int[] prompt, int n) {
    return Generator.generate(
        kiln, prompt, n, kiln.maxPositions(), new Sampler(0, 0, 1, 0), -1, "logits");
  }

  /** The same loop as Kiln's: the prompt in one forward, then one forward per new token. */
  @SuppressWarnings("try")
  private static int[] torchGenerate(TorchGpt2 ref, int[] prompt, int n) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + n);
    int len = prompt.length;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      int next;
      try (PointerScope scope = new PointerScope()) {
        next = (int)
            ref.decode(TorchGpt2.ids(prompt, 1, prompt.length), 0).argmax().item_long();
      }
      for (int k = 0; k < n; k++) {
        seq[len++] = next;
        if (k == n - 1) {
          break;
        }
        try (PointerScope scope = new PointerScope()) {
          next = (int) ref.decode(TorchGpt2.ids(new int[] {next}, 1, 1), len - 1)
              .argmax()
              .item_long();
        }
      }
    }
    return seq;
  }

  /**
   * Jlama's own generate, greedy (temperature 0), in a new session (an empty KV cache). It samples
   * one token after the prompt and then one per forward up to {@code ntokens} positions, so
   * {@code promptLength + n - 1} gives {@code n} new tokens, the work Kiln and PyTorch do;
   * {@code promptLength} counts the token Jlama puts before the prompt.
   */
  private static Response jlamaGenerate(AbstractModel jlama, int n, int promptLength) {
    return jlama.generate(
        UUID.randomUUID(), PromptContext.of(PROMPT), 0f, promptLength + n - 1, (s, f) -> {});
  }

  /** 1 if Jlama runs an extra token before the prompt, 0 if not: asks it for two new tokens. */
  private static int jlamaBos(AbstractModel jlama, int promptLength) {
    // It samples once after the prompt, then once per forward up to promptLength + 1 positions.
    Response probe = jlama.generate(
        UUID.randomUUID(), PromptContext.of(PROMPT), 0f, promptLength + 2, (s, f) -> {});
    int extra = 2 - probe.generatedTokens;
    if (extra < 0 || extra > 1) {
      throw new IllegalStateException("Jlama generated " + probe.generatedTokens
          + " tokens for two positions after a prompt of " + promptLength);
    }
    return extra;
  }

  private static int[] withEndOfText(int[] prompt) {
    int[] out = new int[prompt.length + 1];
    out[0] = HfGpt2Folder.END_OF_TEXT;
    System.arraycopy(prompt, 0, out, 1, prompt.length);
    return out;
  }

  private static int firstMismatch(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }

  private static int firstMismatch(int[] a, int[] b) {
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length || a[i] != b[i]) {
        return i;
      }
    }
    return -1;
  }

  private static String abbreviate(String s) {
    String oneLine = s.replace("\n", "\\n");
    return oneLine.length() <= 100
        ? "\"" + oneLine + "\""
        : "\"" + oneLine.substring(0, 100) + "...\"";
  }
}
