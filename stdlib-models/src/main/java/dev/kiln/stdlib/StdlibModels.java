package dev.kiln.stdlib;

import dev.kiln.dsl.annotation.Model;

/**
 * Standard-library models compiled by the processor in this module's own build, from the stdlib's
 * {@code .model} files: every model family at a tiny size (small vocabularies and widths, for the
 * gradient, oracle and main-job tests, and as ready-made classes to experiment with), and
 * all-MiniLM-L6-v2's shape at full size for the released weights. Each interface {@code X} yields
 * the generated classes {@code XModel} (float32) and {@code XModelF64} in this package; any other
 * size is one more {@code @Model} line in a user's own code, or {@code --model NAME --set ...} on
 * the command line.
 */
public final class StdlibModels {
  private StdlibModels() {}

  @Model(source = "gpt2.model", name = "Gpt2", config = "vocab=61, ctx=32, d=32, heads=4, layers=2")
  public interface TinyGpt2 {}

  @Model(
      source = "gpt3.model",
      name = "Gpt3",
      config = "vocab=61, ctx=32, d=32, heads=4, head_dim=12, layers=2, band=4")
  public interface TinyGpt3 {}

  @Model(
      source = "bert.model",
      name = "BertForPreTraining",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  public interface TinyBertPreTraining {}

  @Model(
      source = "bert.model",
      name = "BertForSequenceClassification",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64, classes=3")
  public interface TinyBertClassifier {}

  @Model(
      source = "bert.model",
      name = "BertForQuestionAnswering",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  public interface TinyBertQa {}

  @Model(
      source = "bert.model",
      name = "BertModel",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  public interface TinyBertEncoder {}

  @Model(
      source = "transformer.model",
      name = "Transformer",
      config = "vocab=53, ctx=24, d=32, heads=4, ff=64, layers=2")
  public interface TinyTransformer {}

  @Model(
      source = "gpt1.model",
      name = "Gpt1Classifier",
      config = "vocab=53, ctx=24, d=32, heads=4, layers=2, classes=3")
  public interface TinyGpt1 {}

  /** all-MiniLM-L6-v2's shape at full size: loads the released weights (MiniLmTest). */
  @Model(
      source = "bert.model",
      name = "BertModel",
      config = "layers=6, d=384, heads=12, ff=1536, pooler=false")
  public interface MiniLm {}
}
