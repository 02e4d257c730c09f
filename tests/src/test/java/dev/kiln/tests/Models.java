package dev.kiln.tests;

import dev.kiln.dsl.annotation.Model;

/** The custom architectures of these tests, compiled from their .model files by Kiln's processor in this build. */
final class Models {
  private Models() {}

  @Model(source = "tiny_gpt.model")
  interface TinyGpt {}

  @Model(source = "encoder_classifier.model")
  interface EncoderClassifier {}

  @Model(source = "seq2seq.model")
  interface Seq2Seq {}

  @Model(source = "sparse_mixer.model")
  interface SparseMixer {}

  @Model(source = "wide_heads.model")
  interface WideHeads {}
}
