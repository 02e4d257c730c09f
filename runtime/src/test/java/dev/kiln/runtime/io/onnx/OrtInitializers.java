package dev.kiln.runtime.io.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;

/**
 * Has ONNX Runtime hand back a model's initializers, which its Java API does not expose directly:
 * the model is rewritten with an Identity node and a graph output per initializer, then run. The
 * rewrite scans only the top-level fields itself, so the reader under test plays no part in it.
 */
final class OrtInitializers {
  /** An initializer as ONNX Runtime sees it: FLOAT tensors fill {@code floats}, INT64 ones {@code longs}. */
  record Value(long[] shape, float[] floats, long[] longs) {}

  private OrtInitializers() {}

  /**
   * Runs {@code model} with {@code feeds} and returns the initializers named in {@code types} (name
   * to ONNX data type code, FLOAT or INT64).
   */
  static Map<String, Value> read(
      byte[] model, Map<String, Integer> types, Map<String, long[][]> feeds) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, String> outputs = new HashMap<>();
    ProtoWriter extra = new ProtoWriter();
    for (Map.Entry<String, Integer> e : types.entrySet()) {
      String out = "kiln_out/" + e.getKey();
      outputs.put(e.getKey(), out);
      extra.message(
          1,
          new ProtoWriter()
              .string(1, e.getKey())
              .string(2, out)
              .string(3, "kiln_id/" + e.getKey())
              .string(4, "Identity"));
      ProtoWriter tensorType = new ProtoWriter().varint(1, e.getValue());
      extra.message(
          12,
          new ProtoWriter().string(1, out).message(2, new ProtoWriter().message(1, tensorType)));
    }
    byte[] rewritten = appendToGraph(model, extra.done());
    Map<String, Value> values = new HashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(rewritten, options)) {
      Map<String, OnnxTensor> inputs = new HashMap<>();
      for (Map.Entry<String, long[][]> f : feeds.entrySet()) {
        inputs.put(f.getKey(), OnnxTensor.createTensor(env, f.getValue()));
      }
      try (OrtSession.Result r = session.run(inputs, new HashSet<>(outputs.values()))) {
        for (Map.Entry<String, String> o : outputs.entrySet()) {
          OnnxTensor t = (OnnxTensor) r.get(o.getValue()).orElseThrow();
          long[] shape = t.getInfo().getShape();
          if (t.getInfo().type == OnnxJavaType.FLOAT) {
            FloatBuffer fb = t.getFloatBuffer();
            float[] a = new float[fb.remaining()];
            fb.get(a);
            values.put(o.getKey(), new Value(shape, a, null));
          } else {
            LongBuffer lb = t.getLongBuffer();
            long[] a = new long[lb.remaining()];
            lb.get(a);
            values.put(o.getKey(), new Value(shape, null, a));
          }
        }
      } finally {
        for (OnnxTensor t : inputs.values()) {
          t.close();
        }
      }
    }
    return values;
  }

  /** The model with {@code fields} appended to its graph: protobuf concatenates repeated fields. */
  private static byte[] appendToGraph(byte[] model, byte[] fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + fields.length + 16);
    int[] pos = {0};
    while (pos[0] < model.length) {
      int start = pos[0];
      long tag = varint(model, pos);
      int wire = (int) (tag & 7);
      if (wire == 0) {
        varint(model, pos);
      } else if (wire == 2) {
        int n = (int) varint(model, pos);
        if (tag >>> 3 == 7) {
          ProtoWriter graph = new ProtoWriter()
              .raw(Arrays.copyOfRange(model, pos[0], pos[0] + n))
              .raw(fields);
          out.writeBytes(new ProtoWriter().bytes(7, graph.done()).done());
          pos[0] += n;
          continue;
        }
        pos[0] += n;
      } else {
        throw new IllegalArgumentException("unexpected top-level wire type " + wire);
      }
      out.write(model, start, pos[0] - start);
    }
    return out.toByteArray();
  }

  private static long varint(byte[] b, int[] pos) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b[pos[0]++];
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }
}
