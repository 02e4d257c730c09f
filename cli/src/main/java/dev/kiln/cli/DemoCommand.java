package dev.kiln.cli;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Checkpoint;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.Resources;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln demo}: the main job. Trains the standard library's small character-level GPT on the
 * bundled text of Pride and Prejudice, with a progress bar, saves a checkpoint, reports the loss
 * against the text's unigram entropy and prints a sample.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "demo",
    description =
        "Train a small GPT on bundled Jane Austen text (a few minutes on 2 cores), then sample from it.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--steps", defaultValue = "1200")
  long steps;

  @Option(names = "--batch", defaultValue = "16")
  int batch;

  @Option(names = "--seq", defaultValue = "128")
  int seq;

  @Option(names = "--lr", defaultValue = "3e-3")
  double lr;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(
      names = "--out",
      defaultValue = "runs/demo",
      description = "checkpoint folder (default ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--resume", description = "continue from the latest checkpoint in --out")
  boolean resume;

  @Option(names = "--prompt", defaultValue = "Elizabeth")
  String prompt;

  @Option(names = "--tokens", defaultValue = "400", description = "characters to generate")
  int tokens;

  @Option(
      names = "--set",
      description = "override a model parameter, e.g. --set layers=2",
      paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Override
  public Integer call() {
    String text = Resources.text("corpus/austen-pride-and-prejudice.txt");
    CharTokenizer tok = CharTokenizer.fit(text);
    int[] ids = tok.encode(text);
    int split = ids.length * 9 / 10;
    int[] train = java.util.Arrays.copyOfRange(ids, 0, split);
    int[] held = java.util.Arrays.copyOfRange(ids, split, ids.length);
    Map<String, String> config = new LinkedHashMap<>(sets);
    config.put("vocab", Integer.toString(tok.size()));
    config.putIfAbsent("ctx", Integer.toString(seq));
    Path file =
        Resources.extract("models/char_gpt.model", ModelCompiler.cacheRoot().resolve("stdlib"));
    System.err.println(
        "kiln demo: compiling CharGpt (" + ModelCompiler.configText(config) + ")...");
    ModelCompiler.Compiled c =
        ModelCompiler.compile(file, "CharGpt", ModelCompiler.configText(config));
    FloatModel m = (FloatModel) c.newModel();
    m.initialize(seed);
    AdamW opt = new AdamW(m, new AdamW.Config(lr, 0.9, 0.95, 1e-8, 0.1));
    long start = 0;
    if (resume) {
      Path ckpt = Checkpoint.latest(out);
      if (ckpt == null) {
        System.err.println("no checkpoint in " + out
            + " yet (the run stopped before its first one): starting from step 0");
      } else {
        start = Checkpoint.load(ckpt, m, opt).step();
        System.err.println("resuming from " + ckpt + " at step " + start);
      }
    }
    double unigram = unigramEntropy(train, tok.size());
    System.err.printf(
        Locale.ROOT,
        "data: Pride and Prejudice, %,d characters (%d distinct); %,d parameters; unigram entropy %.3f nats/char%n",
        ids.length,
        tok.size(),
        m.spec().params().stream().mapToLong(p -> p.size()).sum(),
        unigram);
    LmBatches data = new LmBatches(train, seed);
    Trainer.Settings settings = new Trainer.Settings(
        steps,
        lr,
        new Schedule.WarmupCosine(Math.min(50, steps / 10), steps, 0.1),
        1.0,
        1,
        Math.max(50, steps / 12),
        out,
        25);
    Trainer trainer = new Trainer(m, opt, settings, System.err)
        .state("tokenizer", Map.of("kind", "char", "vocabulary", tok.vocabulary()))
        // So generate, eval and viz can rebuild the model from the checkpoint alone.
        .state("model_ref", ModelRef.of(file.toString(), "CharGpt", config).toJson())
        .state("seed", seed);
    Trainer.Result r = trainer.run(k -> lmInputs(data.batch(k, batch, seq)), start);
    double heldLoss = heldOut(m, held);
    System.out.printf(
        Locale.ROOT,
        "loss %.3f -> %.3f nats/char (held-out %.3f; unigram entropy %.3f); %,.0f tokens/s%n",
        r.firstLoss(),
        r.lastLoss(),
        heldLoss,
        unigram,
        r.tokensPerSecond());
    System.out.println("checkpoint: " + Checkpoint.latest(out));
    System.out.println("plot: " + Plot.writeFor(out));
    int[] sample = Generator.generate(
        m, tok.encode(prompt), tokens, seq, new Sampler(0.8, 0, 0.95, seed), -1, "logits");
    System.out.println("--- sample ---");
    System.out.println(tok.decode(sample));
    return 0;
  }

  static Map<String, Tensor> lmInputs(Tensor.I32[] b) {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("tokens", b[0]);
    in.put("targets", b[1]);
    return in;
  }

  private double heldOut(FloatModel m, int[] held) {
    LmBatches h = new LmBatches(held, seed + 1);
    double sum = 0;
    int n = 8;
    for (int k = 0; k < n; k++) {
      m.forward(lmInputs(h.batch(k, batch, seq)), false);
      sum += m.loss();
    }
    return sum / n;
  }

  static double unigramEntropy(int[] ids, int vocab) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int id : ids) {
      counts.merge(id, 1, Integer::sum);
    }
    double h = 0;
    for (int c : counts.values()) {
      double p = (double) c / ids.length;
      h -= p * Math.log(p);
    }
    return h;
  }
}
