package dev.kiln.examples.gptannotated;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.Resources;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the character-level GPT declared by annotations in {@link CharGpt} on the bundled text of
 * Pride and Prejudice, then samples from it. {@code CharGptModel} is the class Kiln's annotation
 * processor generated from the interface at javac time; this program only drives it with the
 * runtime: {@link LmBatches} cuts random windows of the text, {@link Trainer} runs AdamW under a
 * warm-up-then-cosine schedule with gradient clipping, and {@link Generator} with a {@link Sampler}
 * continues a prompt (with the KV-cache decoder the processor generated for this causal model while
 * the text fits in {@code ctx}, then over a sliding window).
 *
 * <p>Run with {@code ./kiln example gpt-annotated [--steps 600] [--batch 16] [--seq 128] ...}.
 */
public final class Main {
  static final Map<String, String> DEFAULTS = defaults();

  private Main() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("steps", "600");
    d.put("batch", "16");
    d.put("seq", "128");
    d.put("lr", "3e-3");
    d.put("seed", "1");
    d.put("prompt", "Elizabeth");
    d.put("tokens", "300");
    d.put("temperature", "0.8");
    d.put("save", "target/char-gpt.safetensors");
    return d;
  }

  /**
   * What a run ended with: held-out loss before and after training (nats per character), and the
   * sample.
   */
  record Result(double lossBefore, double lossAfter, String sample) {}

  public static void main(String[] args) {
    run(Options.parse(args, DEFAULTS), System.out, System.err);
  }

  static Result run(Options o, PrintStream out, PrintStream log) {
    int steps = o.integer("steps");
    int batch = o.integer("batch");
    int seq = o.integer("seq");
    double lr = o.number("lr");
    long seed = o.integer("seed");

    // Data: one token per character; the last tenth of the book is held out.
    String text = Resources.text("corpus/austen-pride-and-prejudice.txt");
    CharTokenizer chars = CharTokenizer.fit(text);
    if (chars.size() > CharGptModel.VOCAB) {
      throw new IllegalStateException(
          chars.size() + " distinct characters do not fit vocab = " + CharGptModel.VOCAB);
    }
    int[] ids = chars.encode(text);
    int split = ids.length * 9 / 10;
    LmBatches train = new LmBatches(Arrays.copyOfRange(ids, 0, split), seed);
    LmBatches held = new LmBatches(Arrays.copyOfRange(ids, split, ids.length), seed + 1);

    CharGptModel model = new CharGptModel();
    model.initialize(seed);
    out.printf(
        Locale.ROOT,
        "CharGptModel: %,d parameters (d=%d, layers=%d, heads=%d, ctx=%d);"
            + " Pride and Prejudice, %,d characters%n",
        model.parameterCount(),
        CharGptModel.D,
        CharGptModel.LAYERS,
        CharGptModel.HEADS,
        CharGptModel.CTX,
        ids.length);
    double before = heldOutLoss(model, held, batch, seq);

    AdamW opt = new AdamW(model, new AdamW.Config(lr, 0.9, 0.95, 1e-8, 0.1));
    Schedule schedule = new Schedule.WarmupCosine(Math.max(1, steps / 10), steps, 0.1);
    Trainer.Settings settings =
        new Trainer.Settings(steps, lr, schedule, 1.0, 1, 0, null, Math.max(1, steps / 10));
    Trainer.Result r =
        new Trainer(model, opt, settings, log).run(k -> lmInputs(train.batch(k, batch, seq)), 0);
    double after = heldOutLoss(model, held, batch, seq);
    out.printf(
        Locale.ROOT,
        "held-out loss %.3f -> %.3f nats/char after %d steps (%,.0f tokens/s)%n",
        before,
        after,
        steps,
        r.tokensPerSecond());

    if (!o.string("save").isEmpty()) {
      Path save = Path.of(o.string("save"));
      createParent(save);
      model.save(save);
      out.println("weights: " + save);
    }

    Sampler sampler = new Sampler(o.number("temperature"), 0, 0.95, seed);
    int[] sample = Generator.generate(
        model,
        chars.encode(o.string("prompt")),
        o.integer("tokens"),
        CharGptModel.CTX,
        sampler,
        -1,
        "logits");
    String generated = chars.decode(sample);
    out.println("--- sample ---");
    out.println(generated);
    return new Result(before, after, generated);
  }

  static Map<String, Tensor> lmInputs(Tensor.I32[] batch) {
    return Map.of("tokens", batch[0], "targets", batch[1]);
  }

  /** The mean loss over four fixed batches of held-out text. */
  static double heldOutLoss(CharGptModel model, LmBatches held, int batch, int seq) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      model.forward(lmInputs(held.batch(k, batch, seq)), false);
      sum += model.loss();
    }
    return sum / 4;
  }

  private static void createParent(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
