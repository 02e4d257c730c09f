package dev.kiln.bench;

import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.stdlib.Resources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Kiln GPT-2 as a HuggingFace model folder, the form other tools load from local files:
 * {@code config.json}, {@code model.safetensors} (Kiln's parameter names are HF's and its [in, out]
 * linear layout is GPT-2's Conv1D layout, so Kiln's own safetensors file is the checkpoint) and
 * {@code tokenizer.json} (GPT-2's byte-level BPE, built from the stdlib's {@code encoder.json} and
 * {@code vocab.bpe}).
 */
final class HfGpt2Folder {
  private HfGpt2Folder() {}

  static final int END_OF_TEXT = 50256;

  static Path write(FloatModel gpt2, Path dir) {
    try {
      Files.createDirectories(dir);
      gpt2.save(dir.resolve("model.safetensors"));
      Files.writeString(dir.resolve("config.json"), Json.pretty(config(gpt2)));
      Files.writeString(dir.resolve("tokenizer.json"), Json.write(tokenizer()));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** HF's {@code GPT2Config} for the model's sizes. */
  private static Map<String, Object> config(FloatModel gpt2) {
    var spec = gpt2.spec();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of("GPT2LMHeadModel"));
    c.put("model_type", "gpt2");
    c.put("activation_function", "gelu_new");
    c.put("vocab_size", TorchGpt2.config(spec, "vocab"));
    c.put("n_ctx", TorchGpt2.config(spec, "ctx"));
    c.put("n_positions", TorchGpt2.config(spec, "ctx"));
    c.put("n_embd", TorchGpt2.config(spec, "d"));
    c.put("n_head", TorchGpt2.config(spec, "heads"));
    c.put("n_layer", TorchGpt2.config(spec, "layers"));
    c.put("layer_norm_epsilon", TorchGpt2.config(spec, "eps"));
    c.put("bos_token_id", END_OF_TEXT);
    c.put("eos_token_id", END_OF_TEXT);
    c.put("tie_word_embeddings", true);
    c.put("torch_dtype", "float32");
    return c;
  }

  /** HF tokenizers' JSON for GPT-2: byte-level pre-tokenizer and decoder, BPE vocab and merges. */
  private static Map<String, Object> tokenizer() {
    Object vocab = Json.parseUtf8(Resources.bytes("tokenizers/gpt2/encoder.json"));
    List<String> merges = new ArrayList<>();
    String bpe = new String(Resources.bytes("tokenizers/gpt2/vocab.bpe"), StandardCharsets.UTF_8);
    for (String line : bpe.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#version")) {
        merges.add(line);
      }
    }
    Map<String, Object> byteLevel = new LinkedHashMap<>();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", true);
    Map<String, Object> special = new LinkedHashMap<>();
    special.put("id", END_OF_TEXT);
    special.put("content", "<|endoftext|>");
    special.put("single_word", false);
    special.put("lstrip", false);
    special.put("rstrip", false);
    special.put("normalized", true);
    special.put("special", true);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", null);
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("vocab", vocab);
    model.put("merges", merges);
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("version", "1.0");
    t.put("truncation", null);
    t.put("padding", null);
    t.put("added_tokens", List.of(special));
    t.put("normalizer", null);
    t.put("pre_tokenizer", byteLevel);
    t.put("post_processor", byteLevel);
    t.put("decoder", byteLevel);
    t.put("model", model);
    return t;
  }
}
