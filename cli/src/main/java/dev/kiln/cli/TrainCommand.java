package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.TokenFile;
import dev.kiln.runtime.data.TokenStream;
import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.runtime.tokenize.CharTokenizers;
import dev.kiln.runtime.tokenize.Tokenizer;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.Checkpoint;
import dev.kiln.runtime.train.Schedule;
import dev.kiln.runtime.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln train}: trains any standard-library model or {@code .model} file — causal language
 * models on text or token files, BERT on sentence pairs with masking, encoder-decoders on a
 * tab-separated pair file — with AdamW, a schedule, clipping, gradient accumulation, metrics and
 * crash-safe checkpoints; {@code --resume} continues exactly where the last checkpoint stopped.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "train",
    description =
        "Train a model (stdlib name or .model file) on text, a token file, pairs, or a synthetic task.")
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      description =
          "a standard-library name (e.g. gpt2-tiny) or a .model file; optional with --resume")
  String model;

  @Option(names = "--name", description = "which model of the .model file")
  String name;

  @Option(
      names = "--set",
      description = "override a model parameter (repeatable)",
      paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(
      names = "--data",
      description =
          "UTF-8 text, a token file (.bin/.tok), a .tsv of pairs, or 'synthetic' (default)")
  String data;

  @Option(
      names = "--tokenizer",
      description = "char, gpt2, bert, or a path (default: the model family's)")
  String tokenizer;

  @Option(
      names = "--weights",
      description =
          "initial weights instead of random initialisation: Kiln or HuggingFace safetensors, ONNX (BERT), llm.c .bin (GPT-2)")
  Path weights;

  @Option(names = "--steps", defaultValue = "200")
  long steps;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--seq", defaultValue = "64")
  int seq;

  @Option(names = "--lr", defaultValue = "1e-3")
  double lr;

  @Option(names = "--warmup", defaultValue = "20")
  long warmup;

  @Option(
      names = "--schedule",
      defaultValue = "cosine",
      description = "constant, cosine, linear or inverse-sqrt")
  String schedule;

  @Option(names = "--beta1", defaultValue = "0.9")
  double beta1;

  @Option(names = "--beta2", defaultValue = "0.95")
  double beta2;

  @Option(names = "--eps", defaultValue = "1e-8")
  double eps;

  @Option(names = "--weight-decay", defaultValue = "0.1")
  double weightDecay;

  @Option(
      names = "--clip",
      defaultValue = "1.0",
      description = "global gradient-norm clip (0: off)")
  double clip;

  @Option(names = "--accumulate", defaultValue = "1", description = "micro-batches per update")
  int accumulate;

  @Option(
      names = "--order",
      defaultValue = "random",
      description =
          "language-model windows: random (default), or sequential, the stream in order as llm.c reads it")
  String order;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--out", description = "folder for checkpoints and metrics.jsonl")
  Path out;

  @Option(names = "--resume", description = "continue from the latest checkpoint in --out")
  boolean resume;

  @Option(
      names = "--stop-at",
      defaultValue = "0",
      description = "pause after this step (checkpointed); the schedule still spans --steps")
  long stopAt;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "0",
      description = "steps between checkpoints (default: steps/5)")
  long checkpointEvery;

  @Option(names = "--log-every", defaultValue = "10")
  int logEvery;

  @Option(names = "--device", description = "cpu (default), opencl or cuda")
  String device;

  @Override
  @SuppressWarnings("unchecked")
  public Integer call() throws IOException {
    Map<String, Object> resumed = null;
    Path ckpt = null;
    if (resume) {
      if (out == null) {
        throw new KilnException("--resume needs --out, the folder of the run to continue");
      }
      ckpt = Checkpoint.latest(out);
      if (ckpt == null) {
        throw new KilnException("--resume: no checkpoint in " + out);
      }
      resumed = (Map<String, Object>) Json.parse(Files.readString(ckpt.resolve("state.json")));
      restoreOptions(resumed);
    }
    if (model == null) {
      throw new KilnException(
          "--model is required (a standard-library name such as gpt2-tiny, or a .model file)");
    }
    ModelRef ref = resumed != null
        ? ModelRef.fromJson(resumed.get("model_ref"))
        : ModelRef.of(model, name, sets);
    if (resumed != null) {
      requireSameConfig(ref, ckpt);
    }
    String dataSpec = data == null ? "synthetic" : data;
    String tokSpec = tokenizer != null ? tokenizer : Tokenizers.defaultFor(model);
    String text = null;
    TokenStream tokens = null;
    boolean tokenFile =
        !dataSpec.equals("synthetic") && (dataSpec.endsWith(".bin") || dataSpec.endsWith(".tok"));
    if (!dataSpec.equals("synthetic") && !tokenFile) {
      text = TextFiles.read(Path.of(dataSpec));
    }
    Tokenizer tok = null;
    CharTokenizer chars = null;
    if (text != null || !tokSpec.equals("char")) {
      if (tokSpec.equals("char")) {
        chars = resumed != null
                && resumed.get("tokenizer") instanceof Map<?, ?> t
                && t.get("vocabulary") instanceof String v
            ? CharTokenizer.of(v)
            : CharTokenizer.fit(text);
        tok = CharTokenizers.of(chars);
        if (!ref.sets().containsKey("vocab")) {
          ref = ref.withSet(
              "vocab",
              Integer.toString(chars.size() + (dataSpec.endsWith(".tsv") ? PairData.SPECIALS : 0)));
        }
      } else {
        tok = Tokenizers.build(tokSpec, text);
      }
    }
    ModelCompiler.Compiled c = ref.compile();
    if (!(c.newModel() instanceof FloatModel m)) {
      throw new IllegalStateException("generated model is not float32");
    }
    Feeds.Kind kind = Feeds.kind(m.spec());
    int vocab = vocabOf(m.spec());
    if (tok != null && vocab > 0 && tok.vocabSize() > vocab && !dataSpec.endsWith(".tsv")) {
      throw new KilnException("tokenizer " + tok.name() + " has " + tok.vocabSize()
          + " tokens, more than the model's vocabulary of " + vocab + "; use --set vocab="
          + tok.vocabSize() + " or another tokenizer");
    }
    if (tokenFile) {
      TokenFile f = TokenFile.open(Path.of(dataSpec));
      if (vocab > 0 && f.maxId() >= vocab) {
        throw new KilnException(dataSpec + ": token id " + f.maxId()
            + " is outside the model's vocabulary [0, " + vocab + ")");
      }
      tokens = f;
    } else if (text != null && kind == Feeds.Kind.LM) {
      tokens = TokenStream.of(tok.encode(text));
    }
    Trainer.Batches batches =
        switch (kind) {
          case LM -> Feeds.lm(tokens, vocab, batch, seq, seed, "sequential".equals(order));
          case MLM ->
            text != null
                ? Feeds.mlm(text, tok, m.spec(), vocab, batch, seq, seed)
                : Feeds.synthetic(m.spec(), batch, seq, seed);
          case SEQ2SEQ ->
            Feeds.seq2seq(
                text != null ? PairData.pairs(text, chars, seed) : null, batch, seq, vocab, seed);
          case OTHER -> Feeds.synthetic(m.spec(), batch, seq, seed);
        };
    m.initialize(seed);
    if (weights != null) {
      Weights.load(m, weights);
    }
    Device gpu = DeviceOption.attach(m, device);
    AdamW opt = new AdamW(m, new AdamW.Config(lr, beta1, beta2, eps, weightDecay));
    long start = 0;
    if (ckpt != null) {
      start = Checkpoint.load(ckpt, m, opt).step();
      System.err.println("resuming from " + ckpt + " at step " + start);
    }
    System.err.printf(
        Locale.ROOT,
        "model %s (%s): %,d parameters; data: %s%s%n",
        m.spec().name(),
        ref.model(),
        m.spec().params().stream().mapToLong(ModelSpec.ParamSpec::size).sum(),
        dataSpec,
        tok != null ? " (" + tok.name() + ", " + tok.vocabSize() + " tokens)" : "");
    long every = checkpointEvery > 0 ? checkpointEvery : Math.max(1, steps / 5);
    Trainer.Settings settings = new Trainer.Settings(
        steps,
        lr,
        Schedule.parse(schedule, warmup, steps),
        clip,
        accumulate,
        every,
        out,
        logEvery,
        stopAt > 0 ? Math.min(stopAt, steps) : steps);
    Trainer trainer = new Trainer(m, opt, settings, System.err)
        .state("model_ref", ref.toJson())
        .state("options", options(dataSpec, tokSpec));
    if (tok != null) {
      trainer.state("tokenizer", Tokenizers.describe(tokSpec, tok, chars));
    }
    Trainer.Result r;
    try {
      r = trainer.run(batches, start);
    } finally {
      if (gpu != null) {
        m.close();
        gpu.close();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "loss %.4f -> %.4f over %d steps, %,.0f tokens/s%n",
        r.firstLoss(),
        r.lastLoss(),
        r.steps(),
        r.tokensPerSecond());
    if (out != null) {
      System.out.println("checkpoint: " + Checkpoint.latest(out));
      System.out.println("plot: " + Plot.writeFor(out));
    }
    return 0;
  }

  private Map<String, Object> options(String dataSpec, String tokSpec) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("data", dataSpec);
    o.put("tokenizer", tokSpec);
    o.put("steps", steps);
    o.put("batch", batch);
    o.put("seq", seq);
    o.put("lr", lr);
    o.put("warmup", warmup);
    o.put("schedule", schedule);
    o.put("beta1", beta1);
    o.put("beta2", beta2);
    o.put("eps", eps);
    o.put("weight_decay", weightDecay);
    o.put("clip", clip);
    o.put("accumulate", accumulate);
    o.put("seed", seed);
    o.put("order", order);
    return o;
  }

  /**
   * A resumed run continues the configuration it was started with (restoreOptions checks the model):
   * a different --set on the command line is an error rather than silently ignored.
   */
  private void requireSameConfig(ModelRef recorded, Path ckpt) {
    for (Map.Entry<String, String> e : sets.entrySet()) {
      String was = recorded.sets().get(e.getKey());
      if (!e.getValue().equals(was)) {
        throw new KilnException("checkpoint " + ckpt + " was trained with "
            + (was == null ? "the model's default " + e.getKey() : e.getKey() + "=" + was)
            + ", not " + e.getKey() + "="
            + e.getValue() + "; a checkpoint only resumes its own configuration");
      }
    }
  }

  /** A resumed run continues with the options it was started with. */
  private void restoreOptions(Map<String, Object> state) {
    if (!(state.get("options") instanceof Map<?, ?> o)) {
      return;
    }
    ModelRef ref = ModelRef.fromJson(state.get("model_ref"));
    if (model != null
        && !model.equals(ref.model())
        && !Path.of(model).toAbsolutePath().toString().equals(ref.model())) {
      throw new KilnException(
          "the checkpoint in " + out + " is for model " + ref.model() + ", not " + model);
    }
    model = ref.model();
    String savedTok = String.valueOf(o.get("tokenizer"));
    if (tokenizer != null && !tokenizer.equals(savedTok)) {
      throw new KilnException("the checkpoint in " + out + " was trained with tokenizer " + savedTok
          + ", not " + tokenizer);
    }
    tokenizer = savedTok;
    data = data != null ? data : String.valueOf(o.get("data"));
    batch = ((Number) o.get("batch")).intValue();
    seq = ((Number) o.get("seq")).intValue();
    lr = ((Number) o.get("lr")).doubleValue();
    warmup = ((Number) o.get("warmup")).longValue();
    schedule = String.valueOf(o.get("schedule"));
    beta1 = ((Number) o.get("beta1")).doubleValue();
    beta2 = ((Number) o.get("beta2")).doubleValue();
    eps = ((Number) o.get("eps")).doubleValue();
    weightDecay = ((Number) o.get("weight_decay")).doubleValue();
    clip = ((Number) o.get("clip")).doubleValue();
    accumulate = ((Number) o.get("accumulate")).intValue();
    seed = ((Number) o.get("seed")).longValue();
    if (o.get("order") instanceof String saved) {
      order = saved;
    }
    if (steps == 200 && o.get("steps") instanceof Number n) {
      steps = n.longValue(); // unless given again, run to the original end
    }
  }

  /** The vocabulary a model's token ids index (its first integer input's bound), or 0 when unknown. */
  static int vocabOf(ModelSpec spec) {
    for (ModelSpec.InputSpec in : spec.inputs()) {
      if (in.bound() != null && in.bound().chars().allMatch(Character::isDigit)) {
        return Integer.parseInt(in.bound());
      }
    }
    return 0;
  }
}
