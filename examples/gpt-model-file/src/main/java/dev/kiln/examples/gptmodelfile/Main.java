package dev.kiln.examples.gptmodelfile;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Checkpoint;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.Resources;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Trains {@code BandedGpt}, a GPT with alternating dense and banded attention declared in the model
 * file {@code banded_gpt.model} and bound to Java by {@link BandedGpt}, on the bundled text of
 * Persuasion; then continues a prompt greedily and by sampling. Training writes crash-safe
 * checkpoints (weights, AdamW moments, step) to {@code --out}; {@code --resume} continues the
 * run from the latest one, seeing the same batches it would have seen.
 *
 * <p>Run with {@code ./kiln example gpt-model-file [--steps 600] [--batch 16] [--seq 128] ...}.
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
    d.put("out", "target/banded-gpt");
    d.put("resume", "false");
    d.put("prompt", "Anne Elliot");
    d.put("tokens", "200");
    return d;
  }

  /**
   * Held-out loss before and after this run (nats per character), the step it started from, and the
   * samples.
   */
  record Result(
      double lossBefore, double lossAfter, long startStep, String greedy, String sampled) {}

  public static void main(String[] args) {
    run(Options.parse(args, DEFAULTS), System.out, System.err);
  }

  static Result run(Options o, PrintStream out, PrintStream log) {
    int steps = o.integer("steps");
    int batch = o.integer("batch");
    int seq = o.integer("seq");
    double lr = o.number("lr");
    long seed = o.integer("seed");
    Path dir = Path.of(o.string("out"));

    String text = Resources.text("corpus/austen-persuasion.txt");
    CharTokenizer chars = CharTokenizer.fit(text);
    if (chars.size() > BandedGptModel.VOCAB) {
      throw new IllegalStateException(
          chars.size() + " distinct characters do not fit vocab = " + BandedGptModel.VOCAB);
    }
    int[] ids = chars.encode(text);
    int split = ids.length * 9 / 10;
    LmBatches train = new LmBatches(Arrays.copyOfRange(ids, 0, split), seed);
    LmBatches held = new LmBatches(Arrays.copyOfRange(ids, split, ids.length), seed + 1);

    BandedGptModel model = new BandedGptModel();
    model.initialize(seed);
    AdamW opt = new AdamW(model, new AdamW.Config(lr, 0.9, 0.95, 1e-8, 0.1));
    long start = 0;
    Path latest = Checkpoint.latest(dir);
    if (o.flag("resume")) {
      if (latest == null) {
        out.println("no checkpoint in " + dir + "; starting a new run");
      } else {
        start = Checkpoint.load(latest, model, opt).step();
        out.println("resuming from " + latest + " at step " + start
            + (start >= steps ? "; the run is complete (raise --steps to extend it)" : ""));
      }
    }
    out.printf(
        Locale.ROOT,
        "BandedGptModel: %,d parameters (d=%d, layers=%d, band=%d, ctx=%d);"
            + " Persuasion, %,d characters%n",
        model.parameterCount(),
        BandedGptModel.D,
        BandedGptModel.LAYERS,
        BandedGptModel.BAND,
        BandedGptModel.CTX,
        ids.length);
    double before = heldOutLoss(model, held, batch, seq);

    Schedule schedule = new Schedule.WarmupCosine(Math.max(1, steps / 10), steps, 0.1);
    Trainer.Settings settings = new Trainer.Settings(
        steps, lr, schedule, 1.0, 1, Math.max(1, steps / 3), dir, Math.max(1, steps / 10));
    Trainer.Result r = new Trainer(model, opt, settings, log)
        .state("vocabulary", chars.vocabulary())
        .run(k -> lmInputs(train.batch(k, batch, seq)), start);
    double after = heldOutLoss(model, held, batch, seq);
    out.printf(
        Locale.ROOT,
        "held-out loss %.3f -> %.3f nats/char, steps %d..%d (%,.0f tokens/s)%n",
        before,
        after,
        start + 1,
        steps,
        r.tokensPerSecond());
    out.println("checkpoint: " + Checkpoint.latest(dir));

    int[] prompt = chars.encode(o.string("prompt"));
    int n = o.integer("tokens");
    String greedy = chars.decode(Generator.generate(
        model, prompt, n, BandedGptModel.CTX, new Sampler(0, 0, 1, seed), -1, "logits"));
    String sampled = chars.decode(Generator.generate(
        model, prompt, n, BandedGptModel.CTX, new Sampler(0.8, 40, 1, seed), -1, "logits"));
    out.println("--- greedy ---");
    out.println(greedy);
    out.println("--- sampled (temperature 0.8, top-k 40) ---");
    out.println(sampled);
    return new Result(before, after, start, greedy, sampled);
  }

  static Map<String, Tensor> lmInputs(Tensor.I32[] batch) {
    return Map.of("tokens", batch[0], "targets", batch[1]);
  }

  /** The mean loss over four fixed batches of held-out text. */
  static double heldOutLoss(BandedGptModel model, LmBatches held, int batch, int seq) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      model.forward(lmInputs(held.batch(k, batch, seq)), false);
      sum += model.loss();
    }
    return sum / 4;
  }
}
