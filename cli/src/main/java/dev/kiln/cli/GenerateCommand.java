package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.generate.BeamSearch;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.Sampler;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln generate}: causal models continue the prompt (greedy, temperature, top-k, top-p, seed,
 * stop token; KV-cached where the compiler made a decoder); BERT masked-LM models fill each
 * {@code [MASK]}; encoder-decoders translate the prompt (greedy, or beam search with a length penalty).
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "generate",
    description =
        "Continue a prompt (causal LMs), fill [MASK] (BERT), or translate (encoder-decoders).")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "a training run's folder or one checkpoint folder")
  Path checkpoint;

  @Option(
      names = "--model",
      description = "a model (stdlib name or .model file) when no checkpoint is given")
  String model;

  @Option(
      names = "--weights",
      description =
          "weights for --model: Kiln or HuggingFace safetensors, ONNX (BERT), llm.c .bin (GPT-2)")
  Path weights;

  @Option(names = "--set", paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(names = "--tokenizer")
  String tokenizer;

  @Option(names = "--prompt", required = true)
  String prompt;

  @Option(names = "--prompt-b", description = "second sentence of a pair, for a BERT classifier")
  String promptB;

  @Option(names = "--tokens", defaultValue = "100", description = "most new tokens")
  int tokens;

  @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0")
  double topP;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--stop", description = "stop at this token (text), e.g. '<|endoftext|>'")
  String stop;

  @Option(
      names = "--beam",
      defaultValue = "1",
      description = "beam size for translation (1 = greedy)")
  int beam;

  @Option(names = "--length-penalty", defaultValue = "0.6")
  double lengthPenalty;

  @Option(names = "--device")
  String device;

  @Override
  public Integer call() {
    DeviceOption.requireCpu(device, "generate");
    RunContext ctx = RunContext.open(checkpoint, model, sets, weights, tokenizer);
    FloatModel m = ctx.model();
    switch (Feeds.kind(m.spec())) {
      case LM -> causal(ctx);
      case MLM -> fillMask(ctx);
      case SEQ2SEQ -> translate(ctx);
      case OTHER -> {
        if (m.spec().input("ids") != null
            && m.spec().input("labels") != null
            && m.spec().output("logits") != null) {
          classify(ctx);
        } else {
          throw new KilnException(
              "model " + m.spec().name()
                  + " is not a language model, a masked LM, an encoder-decoder or a BERT classifier; nothing to generate");
        }
      }
    }
    return 0;
  }

  private void causal(RunContext ctx) {
    Tokenizer tok = ctx.requireTokenizer();
    int stopId = stop == null
        ? -1
        : tok.tokenId(stop)
            .orElseThrow(() -> new KilnException("the tokenizer has no token '" + stop + "'"));
    int ctxLen = Feeds.maxT(ctx.model().spec(), 1024);
    int[] out = Generator.generate(
        ctx.model(),
        tok.encode(prompt),
        tokens,
        ctxLen,
        new Sampler(temperature, topK, topP, seed),
        stopId,
        "logits");
    System.out.println(tok.decode(out));
  }

  private void fillMask(RunContext ctx) {
    Tokenizer tok = ctx.requireTokenizer();
    int maskId = Feeds.special(tok, "[MASK]");
    int[] ids = Feeds.single(tok, prompt.replace("[MASK]", " [MASK] "), Integer.MAX_VALUE);
    int t = ids.length;
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("ids", new Tensor.I32(new int[] {1, t}, ids));
    in.put("segments", new Tensor.I32(new int[] {1, t}, new int[t]));
    in.put("lengths", new Tensor.I32(new int[] {1}, new int[] {t}));
    int[] labels = new int[t];
    Arrays.fill(labels, -100);
    in.put("mlm_labels", new Tensor.I32(new int[] {1, t}, labels));
    if (ctx.model().spec().input("nsp_labels") != null) {
      in.put("nsp_labels", new Tensor.I32(new int[] {1}, new int[1]));
    }
    ctx.model().forward(in, false);
    Tensor.F32 logits = (Tensor.F32) ctx.model().output("mlm_logits");
    int vocab = logits.shape()[2];
    boolean any = false;
    for (int p = 0; p < t; p++) {
      if (ids[p] != maskId) {
        continue;
      }
      any = true;
      Integer[] order = new Integer[vocab];
      for (int v = 0; v < vocab; v++) {
        order[v] = v;
      }
      int base = p * vocab;
      Arrays.sort(order, (a, b) -> Float.compare(logits.data()[base + b], logits.data()[base + a]));
      StringBuilder sb = new StringBuilder("[MASK] at " + p + ":");
      for (int k = 0; k < 5; k++) {
        sb.append(String.format(
            Locale.ROOT,
            "  %s (%.2f)",
            tok.decode(new int[] {order[k]}),
            logits.data()[base + order[k]]));
      }
      System.out.println(sb);
    }
    if (!any) {
      throw new KilnException("the prompt has no [MASK] to fill");
    }
  }

  /** A BERT sequence classifier: the class probabilities of the prompt (with --prompt-b, of the pair). */
  private void classify(RunContext ctx) {
    Tokenizer tok = ctx.requireTokenizer();
    if (!(tok instanceof dev.kiln.runtime.tokenize.WordPieceTokenizer wp)) {
      throw new KilnException("classification needs the bert tokenizer, not " + tok.name());
    }
    int maxT = Feeds.maxT(ctx.model().spec(), 512);
    dev.kiln.runtime.tokenize.SegmentedIds s =
        promptB == null ? wp.encodeSingle(prompt, maxT) : wp.encodePair(prompt, promptB, maxT);
    int t = s.ids().length;
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("ids", new Tensor.I32(new int[] {1, t}, s.ids()));
    in.put("segments", new Tensor.I32(new int[] {1, t}, s.segmentIds()));
    in.put("lengths", new Tensor.I32(new int[] {1}, new int[] {t}));
    in.put("labels", new Tensor.I32(new int[] {1}, new int[1]));
    ctx.model().forward(in, false);
    Tensor logits = ctx.model().output("logits");
    int classes = (int) logits.size();
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, logits.get(c));
    }
    double sum = 0;
    double[] p = new double[classes];
    for (int c = 0; c < classes; c++) {
      p[c] = Math.exp(logits.get(c) - max);
      sum += p[c];
    }
    StringBuilder sb = new StringBuilder("class probabilities:");
    for (int c = 0; c < classes; c++) {
      sb.append(String.format(Locale.ROOT, "  %d: %.4f", c, p[c] / sum));
    }
    System.out.println(sb);
  }

  private void translate(RunContext ctx) {
    Tokenizer tok = ctx.requireTokenizer();
    int[] src = PairData.shift(tok.encode(prompt));
    int[] out = BeamSearch.translate(
        ctx.model(), src, PairData.BOS, PairData.EOS, tokens, beam, lengthPenalty);
    System.out.println(tok.decode(PairData.unshift(out)));
  }
}
