package dev.kiln.tests.oracle;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.runtime.model.ModelSpec;
import java.util.Map;

/**
 * Inputs for the standard-library models: RandomInputs' valid random ids, then the padding and
 * ignored targets set by hand, so that every masked and ignored path is reached whatever the seed.
 */
final class StdlibInputs {
  private static final long SEED = 7L;

  /** PyTorch's and Kiln's default cross_entropy ignore_index. */
  private static final int IGNORED = -100;

  private StdlibInputs() {}

  /** A new value for the integer at row {@code b}, column {@code t} holding {@code value}. */
  @FunctionalInterface
  interface Cell {
    int at(int b, int t, int value);
  }

  /** GPT-2 and GPT-3: random tokens and next-token targets; every target counts. */
  static Map<String, Tensor> gpt(ModelSpec spec) {
    return RandomInputs.make(spec, Map.of("B", 3, "T", 11), SEED);
  }

  /** GPT-1: no LM loss on each row's first two positions nor on the last (the extract token). */
  static Map<String, Tensor> gpt1(ModelSpec spec) {
    int t = 10;
    Map<String, Tensor> in = RandomInputs.make(spec, Map.of("B", 3, "T", t), SEED);
    edit(in, "targets", (b, i, v) -> i < 2 || i == t - 1 ? IGNORED : v);
    return in;
  }

  /**
   * The BERT models: B = 4, T = 9 with lengths 9, 7, 4, 1 (the last row sees only [CLS]); for
   * pre-training, MLM labels on every third position only, the rest -100.
   */
  static Map<String, Tensor> bert(ModelSpec spec) {
    Map<String, Tensor> in = RandomInputs.make(spec, Map.of("B", 4, "T", 9), SEED);
    in.put("lengths", new Tensor.I32(new int[] {4}, new int[] {9, 7, 4, 1}));
    if (in.containsKey("mlm_labels")) {
      edit(in, "mlm_labels", (b, i, v) -> (b + i) % 3 == 0 ? v : IGNORED);
    }
    return in;
  }

  /**
   * The Transformer: S = 8, T = 6, source lengths 8, 5, 2; target rows of 6, 4 and 3 tokens padded
   * with token 0, whose labels 0 are ignored.
   */
  static Map<String, Tensor> transformer(ModelSpec spec) {
    Map<String, Tensor> in = RandomInputs.make(spec, Map.of("B", 3, "S", 8, "T", 6), SEED);
    in.put("src_lengths", new Tensor.I32(new int[] {3}, new int[] {8, 5, 2}));
    int[] tgtLengths = {6, 4, 3};
    // Token 0 is padding: random labels may hit it too, which only adds ignored positions.
    edit(in, "tgt", (b, i, v) -> i < tgtLengths[b] ? v : 0);
    edit(in, "labels", (b, i, v) -> i < tgtLengths[b] ? v : 0);
    return in;
  }

  /** Replaces the [B, T] integer input {@code name} cell by cell. */
  private static void edit(Map<String, Tensor> in, String name, Cell cell) {
    Tensor.I32 old = (Tensor.I32) in.get(name);
    int cols = old.shape()[1];
    int[] data = old.data().clone();
    for (int i = 0; i < data.length; i++) {
      data[i] = cell.at(i / cols, i % cols, data[i]);
    }
    in.put(name, new Tensor.I32(old.shape(), data));
  }
}
