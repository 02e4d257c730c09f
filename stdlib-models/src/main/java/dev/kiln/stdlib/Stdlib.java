package dev.kiln.stdlib;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard library's models by name: which {@code .model} file, which model in it, and the
 * configuration of each published size (plus a {@code tiny} size for tests and demos). A name's
 * configuration can be overridden further with {@code --set key=value}.
 */
public final class Stdlib {
  /** One named model: file, model declaration, configuration overrides, and a one-line description. */
  public record Entry(String name, String file, String model, String config, String description) {}

  private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

  private static void add(
      String name, String file, String model, String config, String description) {
    ENTRIES.put(name, new Entry(name, file, model, config, description));
  }

  static {
    add("gpt2", "gpt2.model", "Gpt2", "", "GPT-2 124M");
    add("gpt2-medium", "gpt2.model", "Gpt2", "layers=24, d=1024, heads=16", "GPT-2 355M");
    add("gpt2-large", "gpt2.model", "Gpt2", "layers=36, d=1280, heads=20", "GPT-2 774M");
    add("gpt2-xl", "gpt2.model", "Gpt2", "layers=48, d=1600, heads=25", "GPT-2 1.5B");
    add(
        "gpt2-tiny",
        "gpt2.model",
        "Gpt2",
        "layers=2, d=64, heads=4, ctx=128",
        "GPT-2 architecture, 2 layers of width 64");
    add(
        "gpt3-small",
        "gpt3.model",
        "Gpt3",
        "",
        "GPT-3 Small 125M, alternating dense and banded attention");
    add(
        "gpt3-medium",
        "gpt3.model",
        "Gpt3",
        "layers=24, d=1024, heads=16, head_dim=64",
        "GPT-3 Medium 350M");
    add(
        "gpt3-large",
        "gpt3.model",
        "Gpt3",
        "layers=24, d=1536, heads=16, head_dim=96",
        "GPT-3 Large 760M");
    add(
        "gpt3-xl",
        "gpt3.model",
        "Gpt3",
        "layers=24, d=2048, heads=24, head_dim=128",
        "GPT-3 XL 1.3B");
    add(
        "gpt3-2.7b",
        "gpt3.model",
        "Gpt3",
        "layers=32, d=2560, heads=32, head_dim=80",
        "GPT-3 2.7B");
    add(
        "gpt3-6.7b",
        "gpt3.model",
        "Gpt3",
        "layers=32, d=4096, heads=32, head_dim=128",
        "GPT-3 6.7B");
    add(
        "gpt3-13b",
        "gpt3.model",
        "Gpt3",
        "layers=40, d=5140, heads=40, head_dim=128",
        "GPT-3 13B (the paper's d=5140)");
    add(
        "gpt3-175b",
        "gpt3.model",
        "Gpt3",
        "layers=96, d=12288, heads=96, head_dim=128",
        "GPT-3 175B");
    add(
        "gpt3-tiny",
        "gpt3.model",
        "Gpt3",
        "layers=2, d=64, heads=4, head_dim=16, ctx=128, band=16",
        "GPT-3-style, 2 layers of width 64");
    add(
        "bert",
        "bert.model",
        "BertForPreTraining",
        "",
        "BERT-base pre-training (masked LM + next sentence)");
    add(
        "bert-large",
        "bert.model",
        "BertForPreTraining",
        "layers=24, d=1024, heads=16, ff=4096",
        "BERT-large pre-training");
    add(
        "bert-tiny",
        "bert.model",
        "BertForPreTraining",
        "layers=2, d=64, heads=4, ff=256, ctx=128",
        "BERT pre-training, 2 layers of width 64");
    add("bert-mlm", "bert.model", "BertForMaskedLM", "", "BERT-base masked LM (fill-mask)");
    add(
        "bert-classifier",
        "bert.model",
        "BertForSequenceClassification",
        "",
        "BERT-base sequence classification");
    add(
        "bert-qa",
        "bert.model",
        "BertForQuestionAnswering",
        "",
        "BERT-base span question answering");
    add(
        "bert-encoder",
        "bert.model",
        "BertModel",
        "",
        "BERT-base encoder (last hidden state, pooled output)");
    add(
        "minilm",
        "bert.model",
        "BertModel",
        "layers=6, d=384, heads=12, ff=1536, pooler=false",
        "all-MiniLM-L6-v2's shape: 6 layers of width 384 (sentence embeddings)");
    add("transformer", "transformer.model", "Transformer", "", "Transformer base (Vaswani et al.)");
    add(
        "transformer-big",
        "transformer.model",
        "Transformer",
        "d=1024, heads=16, ff=4096, p=0.3",
        "Transformer big");
    add(
        "transformer-tiny",
        "transformer.model",
        "Transformer",
        "vocab=1000, d=64, heads=4, ff=128, layers=2, ctx=64",
        "Transformer, 2+2 layers of width 64");
    add(
        "gpt1-classifier",
        "gpt1.model",
        "Gpt1Classifier",
        "",
        "GPT-1 fine-tuning: classifier + 0.5 x auxiliary LM loss");
    add(
        "gpt1-tiny",
        "gpt1.model",
        "Gpt1Classifier",
        "vocab=1000, layers=2, d=64, heads=4, ctx=64",
        "GPT-1 recipe, 2 layers of width 64");
  }

  private Stdlib() {}

  /** The entry named {@code name}, or null. */
  public static Entry find(String name) {
    return ENTRIES.get(name);
  }

  public static List<Entry> all() {
    return List.copyOf(ENTRIES.values());
  }

  /** The model files of the library, extracted under {@code dir} so the compiler can resolve imports. */
  public static Path extractModel(Entry e, Path dir) {
    for (String f : List.of(
        "gpt2.model",
        "gpt3.model",
        "bert.model",
        "transformer.model",
        "gpt1.model",
        "char_gpt.model")) {
      Resources.extract("models/" + f, dir);
    }
    return dir.resolve("models").resolve(e.file());
  }
}
