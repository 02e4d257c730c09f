package dev.kiln.runtime.io.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.Stream;

/**
 * A small ONNX model written by hand: {@code y = (x·W + b)·W2ᵀ + c} as MatMul, Add and a Gemm with
 * transB=1, plus a dangling Constant and Transpose and unused initializers that cover every data type and encoding the reader supports.
 */
final class TinyOnnx {
  static final float[] W = {1, 2, 3, 4, 5, 6}; // [2,3], [in,out]
  static final float[] B = {0.5f, -0.5f, 0.25f};
  static final float[] W2 = {1, 0, -1, 2, 1, 0, 0, 0, 1, -1, -2, 3}; // [4,3], [out,in]
  static final float[] C = {0.1f, 0.2f, 0.3f, 0.4f};

  private TinyOnnx() {}

  static byte[] model() {
    return model(graph());
  }

  static byte[] model(ProtoWriter graph) {
    return new ProtoWriter()
        .varint(1, 7) // ir_version
        .string(2, "kiln-test")
        .message(7, graph)
        .message(8, new ProtoWriter().string(1, "").varint(2, 13))
        .done();
  }

  static ProtoWriter graph() {
    ProtoWriter g = new ProtoWriter();
    for (byte[] n : nodes()) {
      g.bytes(1, n);
    }
    g.string(2, "tiny");
    for (byte[] t : initializers()) {
      g.bytes(5, t);
    }
    return g.message(11, valueInfo("x", 1, 2)).message(12, valueInfo("y", 1, 4));
  }

  /** The NodeProtos, each as its bytes. */
  static List<byte[]> nodes() {
    return Stream.of(
            node("/layer/MatMul", "MatMul", new String[] {"x", "onnx::MatMul_7"}, "h0"),
            node("/layer/Add", "Add", new String[] {"layer.bias", "h0"}, "h1"),
            node("/fc/Gemm", "Gemm", new String[] {"h1", "fc.weight", "fc.bias"}, "y")
                .message(
                    5,
                    new ProtoWriter()
                        .string(1, "transB")
                        .varint(20, OnnxAttribute.INT)
                        .varint(3, 1))
                .message(
                    5,
                    new ProtoWriter()
                        .string(1, "alpha")
                        .varint(20, OnnxAttribute.FLOAT)
                        .fixed32(2, Float.floatToIntBits(1f))),
            // A dangling Constant and Transpose: ONNX Runtime prunes them, the reader still sees
            // them.
            node("/Constant", "Constant", new String[0], "c0")
                .message(
                    5,
                    new ProtoWriter()
                        .string(1, "value")
                        .varint(20, OnnxAttribute.TENSOR)
                        .message(5, tensor("", OnnxDataType.FLOAT, 2).bytes(9, f32(new float[] {3, 4
                        })))),
            node("/Transpose", "Transpose", new String[] {"c0"}, "c1")
                .message(
                    5,
                    new ProtoWriter()
                        .string(1, "perm")
                        .varint(20, OnnxAttribute.INTS)
                        .packedVarints(8, 0)))
        .map(ProtoWriter::done)
        .toList();
  }

  /** The initializer TensorProtos, each as its bytes. */
  static List<byte[]> initializers() {
    return Stream.of(
            tensor("onnx::MatMul_7", OnnxDataType.FLOAT, 2, 3).bytes(9, f32(W)),
            tensor("layer.bias", OnnxDataType.FLOAT, 3).packedFloats(4, B),
            unpackedFloats(tensor("fc.weight", OnnxDataType.FLOAT, 4, 3), W2),
            tensor("fc.bias", OnnxDataType.FLOAT, 4).bytes(9, f32(C)),
            tensor("i64", OnnxDataType.INT64, 2, 2).packedVarints(7, 1, -2, 3, 2_000_000_000),
            tensor("i64raw", OnnxDataType.INT64, 3).bytes(9, i64(7, -8, 9)),
            tensor("i32", OnnxDataType.INT32, 3).varint(5, 5).varint(5, -6).varint(5, 7),
            tensor("f16", OnnxDataType.FLOAT16, 2).bytes(9, i16(0x3c00, 0xc000)), // 1, -2
            tensor("f16t", OnnxDataType.FLOAT16, 2).packedVarints(5, 0x3800, 0x4200), // 0.5, 3
            tensor("bf16", OnnxDataType.BFLOAT16, 2).bytes(9, i16(0x3f80, 0xc040)), // 1, -3
            tensor("f64", OnnxDataType.DOUBLE, 2)
                .fixed64(10, Double.doubleToLongBits(1.5))
                .fixed64(10, Double.doubleToLongBits(-0.1)),
            tensor("u8", OnnxDataType.UINT8, 3).bytes(9, new byte[] {0, 7, (byte) 255}),
            tensor("bool", OnnxDataType.BOOL, 2).packedVarints(5, 1, 0),
            tensor("u64", OnnxDataType.UINT64, 2).packedVarints(11, 0, 42),
            tensor("scalar", OnnxDataType.FLOAT).bytes(9, f32(new float[] {2.5f})),
            tensor("empty", OnnxDataType.FLOAT, 0, 5))
        .map(ProtoWriter::done)
        .toList();
  }

  static ProtoWriter node(String name, String op, String[] inputs, String output) {
    ProtoWriter n = new ProtoWriter();
    for (String in : inputs) {
      n.string(1, in);
    }
    return n.string(2, output).string(3, name).string(4, op);
  }

  static ProtoWriter tensor(String name, OnnxDataType type, long... dims) {
    ProtoWriter t = new ProtoWriter();
    for (long d : dims) {
      t.varint(1, d);
    }
    return t.varint(2, type.code()).string(8, name);
  }

  /** A FLOAT ValueInfoProto with a fixed shape. */
  static ProtoWriter valueInfo(String name, long... dims) {
    ProtoWriter shape = new ProtoWriter();
    for (long d : dims) {
      shape.message(1, new ProtoWriter().varint(1, d));
    }
    ProtoWriter tensorType =
        new ProtoWriter().varint(1, OnnxDataType.FLOAT.code()).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  private static ProtoWriter unpackedFloats(ProtoWriter t, float[] vs) {
    for (float v : vs) {
      t.fixed32(4, Float.floatToRawIntBits(v));
    }
    return t;
  }

  static byte[] f32(float[] vs) {
    ByteBuffer b = ByteBuffer.allocate(4 * vs.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(vs);
    return b.array();
  }

  static byte[] i64(long... vs) {
    ByteBuffer b = ByteBuffer.allocate(8 * vs.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(vs);
    return b.array();
  }

  static byte[] i16(int... vs) {
    ByteBuffer b = ByteBuffer.allocate(2 * vs.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : vs) {
      b.putShort((short) v);
    }
    return b.array();
  }
}
