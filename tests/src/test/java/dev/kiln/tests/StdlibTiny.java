package dev.kiln.tests;

import dev.kiln.dsl.annotation.Model;

/**
 * The standard library's models at tiny size, compiled from the stdlib's own .model files by the
 * processor in this build (small vocabularies keep the oracle and gradient tests fast).
 */
final class StdlibTiny {
  private StdlibTiny() {}

  @Model(source = "gpt2.model", name = "Gpt2", config = "vocab=61, ctx=32, d=32, heads=4, layers=2")
  interface TinyGpt2 {}

  @Model(
      source = "gpt3.model",
      name = "Gpt3",
      config = "vocab=61, ctx=32, d=32, heads=4, head_dim=12, layers=2, band=4")
  interface TinyGpt3 {}

  @Model(
      source = "bert.model",
      name = "BertForPreTraining",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  interface TinyBertPreTraining {}

  @Model(
      source = "bert.model",
      name = "BertForSequenceClassification",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64, classes=3")
  interface TinyBertClassifier {}

  @Model(
      source = "bert.model",
      name = "BertForQuestionAnswering",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  interface TinyBertQa {}

  @Model(
      source = "bert.model",
      name = "BertModel",
      config = "vocab=67, ctx=24, d=32, heads=4, layers=2, ff=64")
  interface TinyBertEncoder {}

  @Model(
      source = "transformer.model",
      name = "Transformer",
      config = "vocab=53, ctx=24, d=32, heads=4, ff=64, layers=2")
  interface TinyTransformer {}

  @Model(
      source = "gpt1.model",
      name = "Gpt1Classifier",
      config = "vocab=53, ctx=24, d=32, heads=4, layers=2, classes=3")
  interface TinyGpt1 {}

  /** all-MiniLM-L6-v2's shape at full size: loads the released weights (MiniLmTest). */
  @Model(
      source = "bert.model",
      name = "BertModel",
      config = "layers=6, d=384, heads=12, ff=1536, pooler=false")
  interface MiniLm {}
}
