package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.TokenFile;
import dev.kiln.runtime.data.TokenStream;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiln eval}: the mean loss (and perplexity) of a trained model on data, dropout off. */
@Command(
    mixinStandardHelpOptions = true,
    name = "eval",
    description = "Mean loss and perplexity of a model on data (eval mode).")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "a training run's folder or one checkpoint folder")
  Path checkpoint;

  @Option(names = "--model")
  String model;

  @Option(names = "--weights")
  Path weights;

  @Option(names = "--set", paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(names = "--tokenizer")
  String tokenizer;

  @Option(
      names = "--data",
      description = "text, token file, pairs (.tsv) or 'synthetic' (default: the training data)")
  String data;

  @Option(names = "--batches", defaultValue = "20")
  int batches;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(
      names = "--seq",
      defaultValue = "0",
      description = "sequence length (default: the training run's)")
  int seq;

  @Option(names = "--seed", defaultValue = "12345", description = "seed of the evaluation batches")
  long seed;

  @Option(names = "--device")
  String device;

  @Override
  public Integer call() {
    RunContext ctx = RunContext.open(checkpoint, model, sets, weights, tokenizer);
    FloatModel m = ctx.model();
    DeviceOption.attach(m, device);
    Map<?, ?> options = ctx.state().get("options") instanceof Map<?, ?> o ? o : Map.of();
    Object saved = options.get("data");
    String dataSpec = data != null ? data : saved != null ? String.valueOf(saved) : "synthetic";
    int len = seq > 0 ? seq : options.get("seq") instanceof Number n ? n.intValue() : 64;
    int vocab = TrainCommand.vocabOf(m.spec());
    Trainer.Batches feed =
        switch (Feeds.kind(m.spec())) {
          case LM ->
            Feeds.lm(
                dataSpec.equals("synthetic") ? null : lmStream(dataSpec, ctx),
                vocab,
                batch,
                len,
                seed);
          case MLM ->
            dataSpec.equals("synthetic")
                ? Feeds.synthetic(m.spec(), batch, len, seed)
                : Feeds.mlm(
                    TextFiles.read(Path.of(dataSpec)),
                    ctx.requireTokenizer(),
                    m.spec(),
                    vocab,
                    batch,
                    len,
                    seed);
          case SEQ2SEQ ->
            dataSpec.equals("synthetic")
                ? Feeds.seq2seq(null, batch, len, vocab, seed)
                : throwUnsupported("pair files");
          case OTHER -> Feeds.synthetic(m.spec(), batch, len, seed);
        };
    double sum = 0;
    for (int k = 1; k <= batches; k++) {
      Map<String, Tensor> in = feed.apply(k);
      m.forward(in, false);
      sum += m.loss();
    }
    double loss = sum / batches;
    System.out.printf(
        Locale.ROOT,
        "eval: loss %.4f  perplexity %.2f  (%d batches of %d x %d, %s)%n",
        loss,
        Math.exp(loss),
        batches,
        batch,
        len,
        dataSpec);
    return 0;
  }

  private static TokenStream lmStream(String dataSpec, RunContext ctx) {
    if (dataSpec.endsWith(".bin") || dataSpec.endsWith(".tok")) {
      return TokenFile.open(Path.of(dataSpec));
    }
    return TokenStream.of(ctx.requireTokenizer().encode(TextFiles.read(Path.of(dataSpec))));
  }

  private static Trainer.Batches throwUnsupported(String what) {
    throw new KilnException("eval on " + what + " is not supported yet; use --data synthetic");
  }
}
