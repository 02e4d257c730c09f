package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.AtomicFiles;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.runtime.tokenize.SegmentedIds;
import dev.kiln.runtime.tokenize.Tokenizer;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.runtime.viz.AttentionViz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln viz}: runs a model on one input in eval mode, captures every attention layer's weights
 * and writes one self-contained HTML page (head view, model view, detail view), printing the dominant
 * pattern of each head. BERT-style encoders take {@code --text} and an optional {@code --text-b};
 * causal LMs {@code --text}; encoder-decoders {@code --text} as the source and {@code --text-b} as the
 * target so far (the encoder's self-attention, the decoder's self-attention and its cross-attention,
 * each with its own tokens).
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "viz",
    description =
        "Write an HTML page of a model's attention on one input (head, model and detail views).")
final class VizCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "a training run's folder or one checkpoint folder")
  Path checkpoint;

  @Option(
      names = "--model",
      description = "a model (stdlib name or .model file) when no checkpoint is given")
  String model;

  @Option(names = "--weights", description = "weights for --model")
  Path weights;

  @Option(names = "--set", paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(names = "--tokenizer")
  String tokenizer;

  @Option(names = "--text", required = true)
  String text;

  @Option(
      names = "--text-b",
      description = "second sentence (BERT) or target text (encoder-decoder)")
  String textB;

  @Option(names = "--out", defaultValue = "attention.html")
  Path out;

  @Override
  public Integer call() throws IOException {
    RunContext ctx = RunContext.open(checkpoint, model, sets, weights, tokenizer);
    FloatModel m = ctx.model();
    m.captureAttention(true);
    Tokenizer tok = ctx.requireTokenizer();
    ModelSpec spec = m.spec();
    Map<String, Tensor> in = new LinkedHashMap<>();
    List<String> queryTokens;
    List<String> keyTokens = null;
    switch (Feeds.kind(spec)) {
      case LM -> {
        int[] ids = tok.encode(text);
        queryTokens = pieces(tok, ids);
        in.put("tokens", row(ids));
        in.put("targets", row(new int[ids.length]));
      }
      case SEQ2SEQ -> {
        int[] src = PairData.shift(tok.encode(text));
        int[] srcEos = Arrays.copyOf(src, src.length + 1);
        srcEos[src.length] = PairData.EOS;
        int[] tgtText = PairData.shift(tok.encode(textB == null ? "" : textB));
        int[] tgt = new int[tgtText.length + 1];
        tgt[0] = PairData.BOS;
        System.arraycopy(tgtText, 0, tgt, 1, tgtText.length);
        in.put("src", row(srcEos));
        in.put("src_lengths", new Tensor.I32(new int[] {1}, new int[] {srcEos.length}));
        in.put("tgt", row(tgt));
        in.put("labels", row(new int[tgt.length]));
        List<String> s = new ArrayList<>(pieces(tok, PairData.unshift(srcEos)));
        s.add("</s>");
        List<String> t = new ArrayList<>(List.of("<s>"));
        t.addAll(pieces(tok, PairData.unshift(tgt)));
        // One page: encoder layers show the source on both sides, decoder layers the target against
        // itself (self-attention) and against the source (cross-attention).
        queryTokens = t;
        keyTokens = s;
      }
      default -> {
        if (spec.input("ids") == null || !(tok instanceof WordPieceTokenizer wp)) {
          throw new KilnException(
              "kiln viz handles causal LMs, BERT-style encoders (with the bert tokenizer) and"
                  + " encoder-decoders; model " + spec.name() + " is none of these");
        }
        int maxT = Feeds.maxT(spec, 512);
        SegmentedIds s =
            textB == null ? wp.encodeSingle(text, maxT) : wp.encodePair(text, textB, maxT);
        queryTokens = pieces(tok, s.ids());
        for (ModelSpec.InputSpec input : spec.inputs()) {
          switch (input.name()) {
            case "ids" -> in.put("ids", row(s.ids()));
            case "segments" -> in.put("segments", row(s.segmentIds()));
            case "lengths" ->
              in.put("lengths", new Tensor.I32(new int[] {1}, new int[] {s.ids().length}));
            case "mlm_labels" -> {
              int[] ignore = new int[s.ids().length];
              Arrays.fill(ignore, -100);
              in.put("mlm_labels", row(ignore));
            }
            default -> in.put(input.name(), new Tensor.I32(new int[] {1}, new int[1]));
          }
        }
      }
    }
    m.forward(in, false);
    write(AttentionViz.capture(m.attentionSites(), queryTokens, keyTokens), spec.name(), out);
    return 0;
  }

  private void write(AttentionViz.Capture c, String title, Path file) throws IOException {
    if (c.layers().isEmpty()) {
      throw new KilnException("model " + title + " has no attention layers to show");
    }
    List<AttentionViz.Pattern> patterns = AttentionViz.patterns(c);
    System.out.println(
        "attention patterns of " + title + " (dominant pattern and its score per head):");
    System.out.print(AttentionViz.summary(patterns));
    AtomicFiles.writeString(
        file, AttentionViz.html(c, patterns, "Kiln attention: " + title + " on \"" + text + "\""));
    System.out.println("wrote " + file);
  }

  private static Tensor.I32 row(int[] ids) {
    return new Tensor.I32(new int[] {1, ids.length}, ids);
  }

  private static List<String> pieces(Tokenizer tok, int[] ids) {
    List<String> out = new ArrayList<>();
    for (int id : ids) {
      out.add(tok.decode(new int[] {id}));
    }
    return out;
  }
}
