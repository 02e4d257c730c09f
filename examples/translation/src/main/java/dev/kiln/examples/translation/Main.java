package dev.kiln.examples.translation;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.PairBatches;
import dev.kiln.runtime.generate.BeamSearch;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.Resources;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the standard library's encoder-decoder Transformer ({@link SmallTransformer}) to translate
 * English into Spanish, character by character, on the bundled Bible verse pairs (World English
 * Bible and Reina-Valera 1909), then translates sentences with greedy decoding and with beam search
 * ({@link BeamSearch}: beam 4, the paper's length penalty 0.6). {@link PairBatches} feeds {@code
 * src, src_lengths, tgt, labels}; the model's loss is label-smoothed cross-entropy. One pair in
 * twenty is held out.
 *
 * <p>Run with {@code ./kiln example translation [--steps 1500] [--batch 8] [--seq 80] [--text
 * "..."]}.
 */
public final class Main {
  static final Map<String, String> DEFAULTS = defaults();

  private Main() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("steps", "1500");
    d.put("batch", "8");
    d.put("seq", "80");
    d.put("lr", "1e-3");
    d.put("seed", "1");
    d.put("beam", "4");
    d.put("text", "In the beginning, God created the heavens and the earth.");
    return d;
  }

  /**
   * One translated sentence: the source, the reference (or null), and the greedy and beam outputs.
   */
  record Translation(String source, String reference, String greedy, String beam) {}

  /**
   * Held-out loss (label-smoothed, per target character) before and after training, and the
   * translations.
   */
  record Result(double lossBefore, double lossAfter, List<Translation> translations) {}

  public static void main(String[] args) {
    run(Options.parse(args, DEFAULTS), System.out, System.err);
  }

  static Result run(Options o, PrintStream out, PrintStream log) {
    int steps = o.integer("steps");
    int batch = o.integer("batch");
    int seq = o.integer("seq");
    double lr = o.number("lr");
    long seed = o.integer("seed");
    if (seq > SmallTransformerModel.CTX) {
      throw new IllegalArgumentException(
          "--seq " + seq + " exceeds the model's ctx of " + SmallTransformerModel.CTX);
    }

    // Pairs that fit in --seq characters (the source also needs an end id); one in twenty held out.
    Pairs all = Pairs.parse(Resources.text("corpus/bible-web-rv1909-en-es-short.tsv"), seq);
    CharTokenizer chars =
        CharTokenizer.fit(String.join("", all.sources()) + String.join("", all.targets()));
    if (chars.size() + Pairs.SPECIALS > SmallTransformerModel.VOCAB) {
      throw new IllegalStateException(chars.size()
          + " characters and 3 special ids do not fit vocab = " + SmallTransformerModel.VOCAB);
    }
    Pairs trainPairs = all.everyNth(20, 10, false);
    Pairs heldPairs = all.everyNth(20, 10, true);
    PairBatches train = trainPairs.batches(chars, seed);
    PairBatches held = heldPairs.batches(chars, seed + 1);

    SmallTransformerModel model = new SmallTransformerModel();
    model.initialize(seed);
    out.printf(
        Locale.ROOT,
        "SmallTransformerModel: %,d parameters (d=%d, %d+%d layers);"
            + " %,d verse pairs for training, %,d held out%n",
        model.parameterCount(),
        SmallTransformerModel.D,
        SmallTransformerModel.LAYERS,
        SmallTransformerModel.LAYERS,
        trainPairs.size(),
        heldPairs.size());
    double before = heldOutLoss(model, held, batch, seq);

    // The paper's optimiser: Adam (beta2 0.98, eps 1e-9), warm-up, then 1/sqrt(step) decay.
    AdamW opt = new AdamW(model, new AdamW.Config(lr, 0.9, 0.98, 1e-9, 0.0));
    Schedule schedule = new Schedule.InverseSqrt(Math.max(1, steps / 10));
    Trainer.Settings settings =
        new Trainer.Settings(steps, lr, schedule, 1.0, 1, 0, null, Math.max(1, steps / 10));
    Trainer.Result r =
        new Trainer(model, opt, settings, log).run(k -> train.batch(k, batch, seq, seq), 0);
    double after = heldOutLoss(model, held, batch, seq);
    out.printf(
        Locale.ROOT,
        "held-out loss %.3f -> %.3f after %d steps (%,.0f tokens/s)%n",
        before,
        after,
        steps,
        r.tokensPerSecond());

    List<Translation> translations = new ArrayList<>();
    translations.add(translate(model, chars, o.string("text"), null, seq, o.integer("beam")));
    for (int i = 0; i < 2; i++) {
      translations.add(translate(
          model,
          chars,
          heldPairs.sources().get(i),
          heldPairs.targets().get(i),
          seq,
          o.integer("beam")));
    }
    for (Translation t : translations) {
      out.println("en:     " + t.source());
      if (t.reference() != null) {
        out.println("ref:    " + t.reference());
      }
      out.println("greedy: " + t.greedy());
      out.println("beam:   " + t.beam());
    }
    return new Result(before, after, translations);
  }

  static Translation translate(
      SmallTransformerModel model,
      CharTokenizer chars,
      String source,
      String reference,
      int seq,
      int beam) {
    int[] src = Pairs.encode(source, chars);
    if (src.length >= seq) {
      throw new IllegalArgumentException("the sentence has " + src.length + " characters; at most "
          + (seq - 1) + " fit --seq " + seq);
    }
    int[] greedy = BeamSearch.translate(model, src, Pairs.BOS, Pairs.EOS, seq - 1, 1, 0.6);
    int[] best = BeamSearch.translate(model, src, Pairs.BOS, Pairs.EOS, seq - 1, beam, 0.6);
    return new Translation(
        source, reference, Pairs.decode(greedy, chars), Pairs.decode(best, chars));
  }

  /** The mean loss over four fixed batches of held-out pairs. */
  static double heldOutLoss(SmallTransformerModel model, PairBatches held, int batch, int seq) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      Map<String, Tensor> in = held.batch(k, batch, seq, seq);
      model.forward(in, false);
      sum += model.loss();
    }
    return sum / 4;
  }
}
