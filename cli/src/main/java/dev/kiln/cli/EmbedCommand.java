package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.generate.Pooling;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln embed}: sentence embeddings from a BERT encoder ({@code last_hidden_state}), mean-pooled
 * over each sentence's tokens and normalised, as sentence-transformers does for all-MiniLM-L6-v2;
 * prints the cosine similarity of every pair and optionally writes the vectors.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "embed",
    description =
        "Sentence embeddings (mean pooling) from a BERT encoder, and their cosine similarities.")
final class EmbedCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", description = "a training run's folder or one checkpoint folder")
  Path checkpoint;

  @Option(
      names = "--model",
      defaultValue = "minilm",
      description = "an encoder with output last_hidden_state (default minilm)")
  String model;

  @Option(
      names = "--weights",
      description = "weights: Kiln or HuggingFace safetensors, or a BERT ONNX export")
  Path weights;

  @Option(names = "--set", paramLabel = "KEY=VALUE")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(names = "--tokenizer")
  String tokenizer;

  @Option(names = "--text", required = true, description = "a sentence (repeat for several)")
  List<String> texts = new ArrayList<>();

  @Option(names = "--out", description = "write the embeddings [N, d] as safetensors")
  Path out;

  @Option(names = "--device")
  String device;

  @Override
  public Integer call() {
    RunContext ctx =
        RunContext.open(checkpoint, checkpoint == null ? model : null, sets, weights, tokenizer);
    FloatModel m = ctx.model();
    DeviceOption.attach(m, device);
    if (m.spec().output("last_hidden_state") == null || m.spec().input("lengths") == null) {
      throw new KilnException("model " + m.spec().name()
          + " is not a BERT encoder (it needs input 'lengths' and output 'last_hidden_state')");
    }
    Tokenizer tok = ctx.requireTokenizer();
    int maxT = Feeds.maxT(m.spec(), 512);
    int n = texts.size();
    int[][] ids = new int[n][];
    int t = 0;
    for (int i = 0; i < n; i++) {
      ids[i] = Feeds.single(tok, texts.get(i), maxT);
      t = Math.max(t, ids[i].length);
    }
    int[] flat = new int[n * t];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(ids[i], 0, flat, i * t, ids[i].length);
      lengths[i] = ids[i].length;
    }
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("ids", new Tensor.I32(new int[] {n, t}, flat));
    in.put("segments", new Tensor.I32(new int[] {n, t}, new int[n * t]));
    in.put("lengths", new Tensor.I32(new int[] {n}, lengths));
    m.forward(in, false);
    float[][] e = Pooling.meanPooled(m.output("last_hidden_state"), lengths, true);
    System.out.println("cosine similarity:");
    for (int i = 0; i < n; i++) {
      StringBuilder row = new StringBuilder();
      for (int j = 0; j < n; j++) {
        row.append(String.format(Locale.ROOT, " %6.3f", Pooling.dot(e[i], e[j])));
      }
      System.out.println(row + "   " + texts.get(i));
    }
    if (out != null) {
      int d = e[0].length;
      float[] data = new float[n * d];
      for (int i = 0; i < n; i++) {
        System.arraycopy(e[i], 0, data, i * d, d);
      }
      Safetensors.write(
          out,
          Map.of("embeddings", new Tensor.F32(new int[] {n, d}, data)),
          Map.of("pooling", "mean, normalised"));
      System.out.println("wrote " + out);
    }
    return 0;
  }
}
