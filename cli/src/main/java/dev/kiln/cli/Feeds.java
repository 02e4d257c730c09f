package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Rng;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.runtime.data.CopyTask;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.data.MlmBatches;
import dev.kiln.runtime.data.PairBatches;
import dev.kiln.runtime.data.TokenStream;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.runtime.tokenize.Tokenizer;
import dev.kiln.runtime.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns data into batches for a model, by what its inputs are: a causal language model
 * ({@code tokens}, {@code targets}), BERT pre-training ({@code ids, segments, lengths, mlm_labels
 * [, nsp_labels]}), an encoder-decoder ({@code src, src_lengths, tgt, labels}); any other model trains
 * on a fixed pool of random valid examples (to check that it learns at all).
 */
final class Feeds {
  enum Kind {
    LM,
    MLM,
    SEQ2SEQ,
    OTHER
  }

  private Feeds() {}

  static Kind kind(ModelSpec spec) {
    Set<String> in =
        spec.inputs().stream().map(ModelSpec.InputSpec::name).collect(Collectors.toSet());
    if (in.equals(Set.of("tokens", "targets"))) {
      return Kind.LM;
    }
    if (in.equals(Set.of("ids", "segments", "lengths", "mlm_labels", "nsp_labels"))
        || in.equals(Set.of("ids", "segments", "lengths", "mlm_labels"))) {
      return Kind.MLM;
    }
    if (in.equals(Set.of("src", "src_lengths", "tgt", "labels"))) {
      return Kind.SEQ2SEQ;
    }
    return Kind.OTHER;
  }

  /** Causal LM windows over {@code stream}, or the copy task when it is null. */
  static Trainer.Batches lm(TokenStream stream, int vocab, int batch, int seq, long seed) {
    return lm(stream, vocab, batch, seq, seed, false);
  }

  /** As {@link #lm}, reading the stream in order (llm.c's unshuffled batches) when {@code sequential}. */
  static Trainer.Batches lm(
      TokenStream stream, int vocab, int batch, int seq, long seed, boolean sequential) {
    LmBatches data = stream == null
        ? null
        : sequential ? LmBatches.sequential(stream) : new LmBatches(stream, seed);
    return k -> {
      Tensor.I32[] b =
          data != null ? data.batch(k, batch, seq) : CopyTask.batch(seed, k, batch, seq, vocab);
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("tokens", b[0]);
      in.put("targets", b[1]);
      return in;
    };
  }

  /** Sentence-pair MLM batches from text, split into documents at blank lines and sentences at . ! ? */
  static Trainer.Batches mlm(
      String text, Tokenizer tok, ModelSpec spec, int vocab, int batch, int seq, long seed) {
    List<List<int[]>> docs = new ArrayList<>();
    for (String para : text.split("\\n\\s*\\n")) {
      List<int[]> sentences = new ArrayList<>();
      for (String s : para.replace('\n', ' ').split("(?<=[.!?])\\s+")) {
        int[] ids = tok.encode(s.strip());
        if (ids.length > 0) {
          sentences.add(ids);
        }
      }
      if (!sentences.isEmpty()) {
        docs.add(sentences);
      }
    }
    MlmBatches data = new MlmBatches(
        docs,
        vocab,
        special(tok, "[CLS]"),
        special(tok, "[SEP]"),
        special(tok, "[MASK]"),
        special(tok, "[PAD]"),
        seed);
    boolean nsp = spec.input("nsp_labels") != null;
    return k -> {
      Map<String, Tensor> in = data.batch(k, batch, seq);
      if (!nsp) {
        in.remove("nsp_labels");
      }
      return in;
    };
  }

  static int special(Tokenizer tok, String token) {
    return tok.tokenId(token)
        .orElseThrow(() -> new KilnException("tokenizer " + tok.name() + " has no " + token
            + " token; BERT data needs the bert tokenizer"));
  }

  /** The bound of the model's sequence dim {@code T} ({@code T <= ctx}), or {@code fallback}. */
  static int maxT(ModelSpec spec, int fallback) {
    return spec.dims().stream()
        .filter(d -> d.name().equals("T"))
        .mapToInt(d -> d.max())
        .findFirst()
        .orElse(fallback);
  }

  /** {@code [CLS] text [SEP]} with the text's tokens cut to fit {@code maxLen} ids. */
  static int[] single(Tokenizer tok, String text, int maxLen) {
    int[] words = tok.encode(text);
    int n = Math.min(words.length, maxLen - 2);
    int[] ids = new int[n + 2];
    ids[0] = special(tok, "[CLS]");
    System.arraycopy(words, 0, ids, 1, n);
    ids[n + 1] = special(tok, "[SEP]");
    return ids;
  }

  /** Encoder-decoder batches from pairs, or the reversal task when {@code pairs} is null. */
  static Trainer.Batches seq2seq(PairBatches pairs, int batch, int seq, int vocab, long seed) {
    PairBatches data =
        pairs != null ? pairs : PairBatches.reversal(4096, 3, Math.max(3, seq - 2), vocab, seed);
    return k -> data.batch(k, batch, seq, seq);
  }

  /** A fixed pool of random valid examples, sampled per step: a model that learns can memorise it. */
  static Trainer.Batches synthetic(ModelSpec spec, int batch, int seq, long seed) {
    Map<String, Integer> dims = new LinkedHashMap<>();
    for (ModelSpec.DimSpec d : spec.dims()) {
      dims.put(d.name(), d.name().equals("B") ? 1 : Math.min(seq, d.max() > 0 ? d.max() : seq));
    }
    List<Map<String, Tensor>> pool = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      pool.add(RandomInputs.make(spec, dims, Rng.derive(seed, i)));
    }
    return k -> {
      List<Map<String, Tensor>> rows = new ArrayList<>();
      for (int b = 0; b < batch; b++) {
        rows.add(
            pool.get((int) Math.floorMod(Rng.bits(Rng.derive(seed, k), b), (long) pool.size())));
      }
      return stack(rows);
    };
  }

  /** Concatenates single-row examples along their first (batch) dim. */
  static Map<String, Tensor> stack(List<Map<String, Tensor>> rows) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : rows.getFirst().keySet()) {
      Tensor first = rows.getFirst().get(name);
      int[] shape = first.shape().clone();
      shape[0] = rows.size();
      int per = (int) first.size();
      switch (first) {
        case Tensor.I32 t -> {
          int[] data = new int[per * rows.size()];
          for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(((Tensor.I32) rows.get(r).get(name)).data(), 0, data, r * per, per);
          }
          out.put(name, new Tensor.I32(shape, data));
        }
        case Tensor.F64 t -> {
          double[] data = new double[per * rows.size()];
          for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(((Tensor.F64) rows.get(r).get(name)).data(), 0, data, r * per, per);
          }
          out.put(name, new Tensor.F64(shape, data));
        }
        case Tensor.F32 t -> {
          float[] data = new float[per * rows.size()];
          for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(((Tensor.F32) rows.get(r).get(name)).data(), 0, data, r * per, per);
          }
          out.put(name, new Tensor.F32(shape, data));
        }
      }
    }
    return out;
  }
}
