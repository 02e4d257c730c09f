package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.check.RandomInputs;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.stdlib.TinyBertEncoderModel;
import dev.kiln.stdlib.TinyBertPreTrainingModel;
import dev.kiln.stdlib.TinyGpt2Model;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints laid out the way HuggingFace writes them load into the stdlib models by name: GPT-2's
 * {@code model.safetensors} (Conv1D [in, out] weights, {@code attn.bias} buffers, an optional
 * {@code transformer.} prefix and {@code lm_head}) and BERT's (nn.Linear [out, in] weights,
 * separate query/key/value). Each file is written from a seeded Kiln model; the imported model must
 * produce bit-identical outputs.
 */
class PretrainedTest {
  @TempDir
  Path dir;

  @Test
  void gpt2AsHuggingFaceWritesIt() {
    TinyGpt2Model source = new TinyGpt2Model();
    source.initialize(7);
    Map<String, Tensor> hf = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : source.parameters().entrySet()) {
      hf.put("transformer." + e.getKey(), e.getValue());
    }
    hf.put("transformer.h.0.attn.bias", new Tensor.F32(1, 1, 32, 32));
    hf.put("transformer.h.0.attn.masked_bias", new Tensor.F32(1));
    hf.put("lm_head.weight", source.parameters().get("wte.weight"));
    Path file = dir.resolve("model.safetensors");
    Safetensors.write(file, hf, Map.of("format", "pt"));

    TinyGpt2Model loaded = new TinyGpt2Model();
    Pretrained.Result r = Pretrained.load(loaded, file);
    assertFalse(r.transposed(), "Conv1D weights are already [in, out]");
    assertEquals(
        List.of("transformer.h.0.attn.bias", "transformer.h.0.attn.masked_bias", "lm_head.weight"),
        r.unused());
    assertSameOutputs(source, loaded, "logits");
  }

  @Test
  void bertAsHuggingFaceWritesIt() {
    TinyBertPreTrainingModel source = new TinyBertPreTrainingModel();
    source.initialize(11);
    Map<String, Tensor> hf = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : source.parameters().entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name.contains(".qkv.")) { // [d, 3d] columns q | k | v  ->  three nn.Linear tensors
        String stem = name.replace(".qkv.", ".%s.");
        for (int k = 0; k < 3; k++) {
          Tensor part = columns(t, k);
          hf.put(
              stem.formatted(List.of("query", "key", "value").get(k)),
              part.shape().length == 2 ? transpose(part) : part);
        }
      } else if (t.shape().length == 2 && !name.contains("embeddings")) {
        hf.put(name, transpose(t));
      } else {
        hf.put(name, t);
      }
    }
    hf.put("bert.embeddings.position_ids", new Tensor.F32(1, 24));
    hf.put(
        "cls.predictions.decoder.weight",
        source.parameters().get("bert.embeddings.word_embeddings.weight"));
    Path file = dir.resolve("bert.safetensors");
    Safetensors.write(file, hf, Map.of("format", "pt"));

    TinyBertPreTrainingModel loaded = new TinyBertPreTrainingModel();
    Pretrained.Result r = Pretrained.load(loaded, file);
    assertTrue(r.transposed(), "nn.Linear weights are [out, in]");
    assertEquals(
        List.of("bert.embeddings.position_ids", "cls.predictions.decoder.weight"), r.unused());
    assertSameOutputs(source, loaded, "mlm_logits");

    // The bare encoder takes the same file: the "bert." prefix is dropped, the heads go unused.
    TinyBertEncoderModel encoder = new TinyBertEncoderModel();
    Pretrained.Result e = Pretrained.load(encoder, file);
    assertTrue(e.unused().contains("cls.seq_relationship.weight"), e.unused().toString());
  }

  @Test
  void missingAndMisshapenTensorsAreNamed() {
    TinyGpt2Model source = new TinyGpt2Model();
    source.initialize(3);
    Map<String, Tensor> hf = new LinkedHashMap<>(source.parameters());
    hf.remove("ln_f.bias");
    KilnException missing = assertThrows(
        KilnException.class, () -> Pretrained.set(new TinyGpt2Model(), hf, "gpt2.safetensors"));
    assertTrue(
        missing.getMessage().contains("no tensor for 1 parameter(s) of model Gpt2: ln_f.bias [32]"),
        missing.getMessage());
    hf.put("ln_f.bias", new Tensor.F32(48));
    KilnException shape = assertThrows(
        KilnException.class, () -> Pretrained.set(new TinyGpt2Model(), hf, "gpt2.safetensors"));
    assertTrue(
        shape
            .getMessage()
            .contains("tensor 'ln_f.bias' gives shape [48], but parameter 'ln_f.bias' needs [32]"),
        shape.getMessage());
  }

  private static void assertSameOutputs(Model a, Model b, String output) {
    Map<String, Tensor> in = RandomInputs.make(a.spec(), Map.of("B", 2, "T", 8), 5);
    a.forward(in, false);
    float[] want = ((Tensor.F32) a.output(output)).data().clone();
    b.forward(in, false);
    assertArrayEquals(want, ((Tensor.F32) b.output(output)).data());
  }

  private static Tensor.F32 columns(Tensor t, int third) {
    int[] s = t.shape();
    int rows = s.length == 1 ? 1 : s[0];
    int width = s[s.length - 1] / 3;
    float[] out = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        out[r * width + c] = (float) t.get((long) r * s[s.length - 1] + (long) third * width + c);
      }
    }
    return new Tensor.F32(s.length == 1 ? new int[] {width} : new int[] {rows, width}, out);
  }

  private static Tensor.F32 transpose(Tensor t) {
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
}
