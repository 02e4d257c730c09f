package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.kiln.runtime.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ONNX Runtime accepts the hand-written model and computes with it what the reader's weights say it should. */
class TinyOnnxOrtTest {
  @Test
  void onnxRuntimeAgreesWithTheLinearLayersRead() throws OrtException {
    float[] x = {1.5f, -2f};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[] y;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession s = env.createSession(TinyOnnx.model(), quiet(options));
        OnnxTensor in = OnnxTensor.createTensor(env, new float[][] {x});
        OrtSession.Result r = s.run(Map.of("x", in))) {
      y = ((float[][]) r.get("y").orElseThrow().getValue())[0];
    }
    OnnxModel m = OnnxModel.read(TinyOnnx.model(), "tiny.onnx");
    float[] h = x;
    for (LinearLayer l : m.graph().linearLayers()) {
      h = linear(h, (Tensor.F32) l.weightInOut(m.graph()), (Tensor.F32) m.tensor(l.bias()));
    }
    assertEquals(4, y.length);
    for (int i = 0; i < 4; i++) {
      assertEquals(y[i], h[i], 1e-5, "y[" + i + "]");
    }
  }

  /** Silences the warnings about the unused initializers, which are there on purpose. */
  private static OrtSession.SessionOptions quiet(OrtSession.SessionOptions options)
      throws OrtException {
    options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
    return options;
  }

  /** {@code x·W + b} with W [in,out]. */
  private static float[] linear(float[] x, Tensor.F32 w, Tensor.F32 b) {
    int out = w.shape()[1];
    float[] y = b.data().clone();
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        y[o] += x[i] * w.data()[i * out + o];
      }
    }
    return y;
  }
}
