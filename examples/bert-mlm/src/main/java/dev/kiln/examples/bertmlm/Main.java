package dev.kiln.examples.bertmlm;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.MlmBatches;
import dev.kiln.runtime.tokenize.SegmentedIds;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pre-trains a small BERT ({@link SmallBert}, the stdlib's {@code bert.model}) with the masked-LM
 * objective on the bundled Jane Austen novels, then fills in the {@code [MASK]} of a sentence. The
 * text is cut into paragraphs and sentences and tokenised with BERT's uncased WordPiece vocabulary
 * ({@link WordPieceTokenizer}); {@link MlmBatches} pairs sentences as {@code [CLS] A [SEP] B [SEP]}
 * and masks 15% of the tokens (80% [MASK], 10% random, 10% kept), as BERT does.
 *
 * <p>Run with {@code ./kiln example bert-mlm [--steps 300] [--batch 16] [--seq 64] [--text "..."]}.
 */
public final class Main {
  static final Map<String, String> DEFAULTS = defaults();

  private Main() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("steps", "300");
    d.put("batch", "16");
    d.put("seq", "64");
    d.put("lr", "1e-3");
    d.put("seed", "1");
    d.put("text", "She was [MASK] to see him again.");
    return d;
  }

  /** One filled mask: its position and the five most likely tokens with their probabilities. */
  record Fill(int position, List<String> tokens, double[] probabilities) {}

  /** Held-out masked-LM loss before and after training, and the fills of the sentence's masks. */
  record Result(double lossBefore, double lossAfter, List<Fill> fills) {}

  public static void main(String[] args) {
    run(Options.parse(args, DEFAULTS), System.out, System.err);
  }

  static Result run(Options o, PrintStream out, PrintStream log) {
    int steps = o.integer("steps");
    int batch = o.integer("batch");
    int seq = o.integer("seq");
    double lr = o.number("lr");
    long seed = o.integer("seed");

    WordPieceTokenizer tok = WordPieceTokenizer.load(
        new ByteArrayInputStream(Resources.bytes("tokenizers/bert/vocab.txt")));
    List<List<int[]>> docs = new ArrayList<>();
    for (String book : List.of("austen-persuasion.txt", "austen-pride-and-prejudice.txt")) {
      docs.addAll(documents(Resources.text("corpus/" + book), tok));
    }
    int split = docs.size() * 19 / 20; // the last 5% of the paragraphs are held out
    MlmBatches train = batches(docs.subList(0, split), tok, seed);
    MlmBatches held = batches(docs.subList(split, docs.size()), tok, seed + 1);

    SmallBertModel model = new SmallBertModel();
    model.initialize(seed);
    out.printf(
        Locale.ROOT,
        "SmallBertModel: %,d parameters (layers=%d, d=%d, vocab=%d); %,d paragraphs of Austen%n",
        model.parameterCount(),
        SmallBertModel.LAYERS,
        SmallBertModel.D,
        SmallBertModel.VOCAB,
        docs.size());
    double before = heldOutLoss(model, held, batch, seq);

    // BERT's optimiser: AdamW (beta2 0.999, eps 1e-6, decay 0.01), linear warm-up and decay.
    AdamW opt = new AdamW(model, new AdamW.Config(lr, 0.9, 0.999, 1e-6, 0.01));
    Schedule schedule = new Schedule.WarmupLinear(Math.max(1, steps / 10), steps);
    Trainer.Settings settings =
        new Trainer.Settings(steps, lr, schedule, 1.0, 1, 0, null, Math.max(1, steps / 10));
    Trainer.Result r =
        new Trainer(model, opt, settings, log).run(k -> mlmInputs(train.batch(k, batch, seq)), 0);
    double after = heldOutLoss(model, held, batch, seq);
    out.printf(
        Locale.ROOT,
        "held-out masked-LM loss %.3f -> %.3f after %d steps (%,.0f tokens/s)%n",
        before,
        after,
        steps,
        r.tokensPerSecond());

    List<Fill> fills = fillMask(model, tok, o.string("text"));
    out.println(o.string("text"));
    if (fills.isEmpty()) {
      out.println("  (the text has no [MASK] to fill)");
    }
    for (Fill f : fills) {
      StringBuilder sb = new StringBuilder("  [MASK] at " + f.position() + ":");
      for (int k = 0; k < f.tokens().size(); k++) {
        sb.append(
            String.format(Locale.ROOT, "  %s (%.3f)", f.tokens().get(k), f.probabilities()[k]));
      }
      out.println(sb);
    }
    return new Result(before, after, fills);
  }

  /** Paragraphs (split at blank lines) as lists of tokenised sentences (split after . ! ?). */
  static List<List<int[]>> documents(String text, WordPieceTokenizer tok) {
    List<List<int[]>> docs = new ArrayList<>();
    for (String paragraph : text.split("\\n\\s*\\n")) {
      List<int[]> sentences = new ArrayList<>();
      for (String s : paragraph.replace('\n', ' ').split("(?<=[.!?])\\s+")) {
        int[] ids = tok.encode(s.strip());
        if (ids.length > 0) {
          sentences.add(ids);
        }
      }
      if (!sentences.isEmpty()) {
        docs.add(sentences);
      }
    }
    return docs;
  }

  static MlmBatches batches(List<List<int[]>> docs, WordPieceTokenizer tok, long seed) {
    return new MlmBatches(
        docs, tok.vocabSize(), tok.clsId(), tok.sepId(), tok.maskId(), tok.padId(), seed);
  }

  /** The model's inputs from an MLM batch: BertForMaskedLM has no next-sentence head. */
  static Map<String, Tensor> mlmInputs(Map<String, Tensor> batch) {
    batch.remove("nsp_labels");
    return batch;
  }

  /** The mean masked-LM loss over four fixed batches of held-out paragraphs. */
  static double heldOutLoss(SmallBertModel model, MlmBatches held, int batch, int seq) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      model.forward(mlmInputs(held.batch(k, batch, seq)), false);
      sum += model.loss();
    }
    return sum / 4;
  }

  /**
   * The five most likely tokens, with their probabilities, at each {@code [MASK]} of {@code text}.
   */
  static List<Fill> fillMask(SmallBertModel model, WordPieceTokenizer tok, String text) {
    SegmentedIds in = tok.encodeSingle(text, SmallBertModel.CTX);
    int t = in.length();
    int[] noLabels = new int[t];
    Arrays.fill(noLabels, -100);
    model.forward(
        Map.of(
            "ids", new Tensor.I32(new int[] {1, t}, in.ids()),
            "segments", new Tensor.I32(new int[] {1, t}, in.segmentIds()),
            "lengths", new Tensor.I32(new int[] {1}, new int[] {t}),
            "mlm_labels", new Tensor.I32(new int[] {1, t}, noLabels)),
        false);
    float[] logits = model.mlm_logits().data();
    int vocab = SmallBertModel.VOCAB;
    List<Fill> fills = new ArrayList<>();
    for (int p = 0; p < t; p++) {
      if (in.ids()[p] != tok.maskId()) {
        continue;
      }
      double[] prob = softmax(logits, p * vocab, vocab);
      Integer[] order = new Integer[vocab];
      Arrays.setAll(order, v -> v);
      Arrays.sort(order, (a, b) -> Double.compare(prob[b], prob[a]));
      List<String> tokens = new ArrayList<>();
      double[] top = new double[5];
      for (int k = 0; k < 5; k++) {
        tokens.add(tok.token(order[k]));
        top[k] = prob[order[k]];
      }
      fills.add(new Fill(p, tokens, top));
    }
    return fills;
  }

  private static double[] softmax(float[] z, int off, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, z[off + i]);
    }
    double[] p = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      p[i] = Math.exp(z[off + i] - max);
      sum += p[i];
    }
    for (int i = 0; i < n; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
