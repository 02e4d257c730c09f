package dev.kiln.runtime.io;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.onnx.MiniLm;
import dev.kiln.runtime.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports weights released by other tools into a Kiln model whose parameters carry the same
 * (HuggingFace) names: a {@code model.safetensors} of GPT-2 or BERT, or a BERT exported to ONNX.
 *
 * <p>For each Kiln parameter the importer looks for, in order: the same name; the name without, or
 * with, a {@code transformer.} / {@code bert.} prefix (HF task checkpoints wrap the bare model under
 * one); and for Kiln's packed attention projection {@code X.qkv.weight} / {@code .bias}, the three
 * tensors {@code X.query}, {@code X.key}, {@code X.value} joined along the output axis. Kiln stores
 * linear weights [in, out]; a file that stores them [out, in] (PyTorch's {@code nn.Linear}, e.g. every
 * BERT checkpoint) is recognised by its non-square linear weights, and all its linear weights,
 * square ones included, are transposed. GPT-2's Conv1D layout is already [in, out].
 *
 * <p>Tensors of the file that no parameter uses are returned as {@link Result#unused()}: buffers such
 * as {@code attn.bias} and {@code embeddings.position_ids}, output projections that Kiln ties to the
 * embedding ({@code lm_head.weight}), or heads the chosen Kiln model does not have. A parameter with
 * no source, or a source of the wrong shape, is an error naming both.
 */
public final class Pretrained {
  private static final Pattern QKV = Pattern.compile("(.*)\\.qkv\\.(weight|bias)");
  private static final List<String> PREFIXES = List.of("transformer.", "bert.");

  private Pretrained() {}

  /** What an import did: the parameters it set and the file's tensors it did not use. */
  public record Result(int parameters, boolean transposed, List<String> unused) {}

  /**
   * Reads {@code file} (a {@code .safetensors} checkpoint, or a {@code .onnx} BERT encoder) and sets
   * every parameter of {@code model} from it.
   */
  public static Result load(Model model, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new KilnException("weights file " + file + " does not exist");
    }
    Map<String, Tensor> source;
    if (file.getFileName().toString().endsWith(".onnx")) {
      source = MiniLm.parameters(file);
    } else {
      source = new LinkedHashMap<>();
      try (SafetensorsFile f = Safetensors.open(file)) {
        for (String name : f.tensors().keySet()) {
          source.put(name, f.read(name));
        }
      }
    }
    return set(model, source, file.toString());
  }

  /** Maps {@code source} onto the parameters of {@code model} and sets them; {@code origin} names it in errors. */
  public static Result set(Model model, Map<String, Tensor> source, String origin) {
    ModelSpec spec = model.spec();
    boolean transposed = torchLayout(spec, source);
    Map<String, Tensor> params = new LinkedHashMap<>();
    List<String> used = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (ModelSpec.ParamSpec p : spec.params()) {
      Tensor t = find(p, source, transposed, used, origin);
      if (t == null) {
        missing.add(p.name() + " " + Tensor.shapeString(p.shape()));
      } else {
        params.put(p.name(), t);
      }
    }
    if (!missing.isEmpty()) {
      throw new KilnException(origin + ": no tensor for " + missing.size()
          + " parameter(s) of model " + spec.name() + ": "
          + String.join(", ", missing.subList(0, Math.min(8, missing.size())))
          + (missing.size() > 8 ? ", ..." : "")
          + " (is this checkpoint for another architecture?)");
    }
    model.setParameters(params, origin);
    List<String> unused = new ArrayList<>(source.keySet());
    unused.removeAll(used);
    return new Result(params.size(), transposed, List.copyOf(unused));
  }

  /**
   * Whether the file stores linear weights [out, in]: some 2-D tensor found under a parameter's name
   * has the parameter's shape reversed, and that shape is not square.
   */
  private static boolean torchLayout(ModelSpec spec, Map<String, Tensor> source) {
    for (ModelSpec.ParamSpec p : spec.params()) {
      int[] s = p.shape();
      if (s.length != 2 || s[0] == s[1]) {
        continue;
      }
      Tensor t = lookup(p.name(), source);
      if (t != null && t.shape().length == 2 && t.shape()[0] == s[1] && t.shape()[1] == s[0]) {
        return true;
      }
    }
    return false;
  }

  private static Tensor find(
      ModelSpec.ParamSpec p,
      Map<String, Tensor> source,
      boolean transposed,
      List<String> used,
      String origin) {
    String name = lookupName(p.name(), source);
    if (name != null) {
      used.add(name);
      return oriented(p, name, source.get(name), transposed, origin);
    }
    Matcher m = QKV.matcher(p.name());
    if (!m.matches()) {
      return null;
    }
    List<Tensor> parts = new ArrayList<>();
    for (String role : List.of("query", "key", "value")) {
      String partName = lookupName(m.group(1) + "." + role + "." + m.group(2), source);
      if (partName == null) {
        return null;
      }
      used.add(partName);
      Tensor part = source.get(partName);
      parts.add(part.shape().length == 2 && transposed ? transpose(part) : part);
    }
    Tensor joined = concatLastAxis(parts);
    checkShape(p, partsName(m), joined.shape(), origin);
    return joined;
  }

  private static String partsName(Matcher m) {
    return m.group(1) + ".{query,key,value}." + m.group(2);
  }

  private static Tensor oriented(
      ModelSpec.ParamSpec p, String name, Tensor t, boolean transposed, String origin) {
    int[] s = t.shape();
    boolean linear = s.length == 2 && !isEmbedding(p.name());
    Tensor out = linear && transposed ? transpose(t) : t;
    checkShape(p, name, out.shape(), origin);
    return out;
  }

  /** Embedding tables are [rows, width] in every layout; only linear weights are transposed. */
  private static boolean isEmbedding(String name) {
    return name.contains("embeddings")
        || name.endsWith("wte.weight")
        || name.endsWith("wpe.weight");
  }

  private static void checkShape(ModelSpec.ParamSpec p, String name, int[] shape, String origin) {
    if (!Arrays.equals(shape, p.shape())) {
      throw new KilnException(origin + ": tensor '" + name + "' gives shape "
          + Tensor.shapeString(shape) + ", but parameter '" + p.name() + "' needs "
          + Tensor.shapeString(p.shape()) + " (a checkpoint for another configuration?)");
    }
  }

  private static Tensor lookup(String name, Map<String, Tensor> source) {
    String n = lookupName(name, source);
    return n == null ? null : source.get(n);
  }

  private static String lookupName(String name, Map<String, Tensor> source) {
    if (source.containsKey(name)) {
      return name;
    }
    for (String prefix : PREFIXES) {
      if (name.startsWith(prefix) && source.containsKey(name.substring(prefix.length()))) {
        return name.substring(prefix.length());
      }
      if (source.containsKey(prefix + name)) {
        return prefix + name;
      }
    }
    return null;
  }

  /** A 2-D tensor transposed, as float32. */
  static Tensor.F32 transpose(Tensor t) {
    int rows = t.shape()[0];
    int cols = t.shape()[1];
    float[] out = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = (float) t.get((long) r * cols + c);
      }
    }
    return new Tensor.F32(new int[] {cols, rows}, out);
  }

  /** Joins tensors of equal leading shape along their last axis (columns q | k | v). */
  private static Tensor.F32 concatLastAxis(List<Tensor> parts) {
    int[] first = parts.get(0).shape();
    int rows = first.length == 1 ? 1 : first[0];
    int total = 0;
    for (Tensor t : parts) {
      int[] s = t.shape();
      if (s.length != first.length || (s.length == 2 && s[0] != rows)) {
        throw new KilnException("cannot join tensors of shapes " + Tensor.shapeString(first)
            + " and " + Tensor.shapeString(s));
      }
      total += s[s.length - 1];
    }
    float[] out = new float[rows * total];
    int col = 0;
    for (Tensor t : parts) {
      int w = t.shape()[t.shape().length - 1];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < w; c++) {
          out[r * total + col + c] = (float) t.get((long) r * w + c);
        }
      }
      col += w;
    }
    return new Tensor.F32(first.length == 1 ? new int[] {total} : new int[] {rows, total}, out);
  }
}
