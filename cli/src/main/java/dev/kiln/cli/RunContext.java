package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.tokenize.Tokenizer;
import dev.kiln.runtime.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model ready to use: rebuilt from a checkpoint (its recorded model and tokenizer) or from
 * {@code --model} with optional {@code --weights} and {@code --tokenizer}.
 */
record RunContext(FloatModel model, Tokenizer tokenizer, Map<String, Object> state) {

  @SuppressWarnings("unchecked")
  static RunContext open(
      Path checkpoint, String model, Map<String, String> sets, Path weights, String tokenizer) {
    if (checkpoint != null) {
      Path dir = Files.isRegularFile(checkpoint.resolve("state.json"))
          ? checkpoint
          : Checkpoint.latest(checkpoint);
      if (dir == null) {
        throw new KilnException("no checkpoint in " + checkpoint);
      }
      Map<String, Object> state;
      try {
        state = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("state.json")));
      } catch (IOException e) {
        throw new KilnException("cannot read " + dir.resolve("state.json") + ": " + e.getMessage());
      }
      ModelRef ref = ModelRef.fromJson(state.get("model_ref"));
      Tokenizer tok = null;
      if (state.get("tokenizer") instanceof Map<?, ?> t) {
        if (tokenizer != null && !tokenizer.equals(t.get("kind"))) {
          throw new KilnException("checkpoint " + dir + " was trained with tokenizer "
              + t.get("kind") + ", not " + tokenizer);
        }
        tok = Tokenizers.fromCheckpoint(t);
      }
      FloatModel m = (FloatModel) ref.compile().newModel();
      m.initialize(0);
      m.load(dir.resolve("model.safetensors"));
      return new RunContext(m, tok, state);
    }
    if (model == null) {
      throw new KilnException("give --checkpoint DIR, or --model with --weights");
    }
    FloatModel m = (FloatModel) ModelRef.of(model, null, sets).compile().newModel();
    m.initialize(0);
    if (weights != null) {
      Weights.load(m, weights);
    }
    String spec = tokenizer != null ? tokenizer : Tokenizers.defaultFor(model);
    Tokenizer tok = spec.equals("char") ? null : Tokenizers.build(spec, null);
    return new RunContext(m, tok, new LinkedHashMap<>());
  }

  Tokenizer requireTokenizer() {
    if (tokenizer == null) {
      throw new KilnException("this model has no tokenizer on record; pass --tokenizer");
    }
    return tokenizer;
  }
}
