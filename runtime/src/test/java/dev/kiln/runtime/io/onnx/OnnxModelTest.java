package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {
  private static final OnnxModel MODEL = OnnxModel.read(TinyOnnx.model(), "tiny.onnx");

  @Test
  void readsModelAndGraphFields() {
    assertEquals(7, MODEL.irVersion());
    assertEquals("kiln-test", MODEL.producerName());
    assertEquals(Map.of("", 13L), MODEL.opsetImports());
    OnnxGraph g = MODEL.graph();
    assertEquals("tiny", g.name());
    assertEquals(List.of("x"), g.inputs());
    assertEquals(List.of("x"), g.dataInputs());
    assertEquals(List.of("y"), g.outputs());
    assertEquals(
        List.of("MatMul", "Add", "Gemm", "Constant", "Transpose"),
        g.nodes().stream().map(OnnxNode::opType).toList());
    OnnxNode gemm = g.nodes().get(2);
    assertEquals("/fc/Gemm", gemm.name());
    assertEquals(List.of("h1", "fc.weight", "fc.bias"), gemm.inputs());
    assertEquals(List.of("y"), gemm.outputs());
    assertEquals(1, gemm.intAttribute("transB", 0));
    assertEquals(0, gemm.intAttribute("transA", 0));
    assertEquals(1f, gemm.floatAttribute("alpha", 7f));
    assertEquals(OnnxAttribute.INT, gemm.attribute("transB").orElseThrow().type());
    assertEquals(List.of(g.nodes().get(1)), g.consumers("h0"));
    OnnxAttribute value = g.nodes().get(3).attribute("value").orElseThrow();
    assertEquals(OnnxAttribute.TENSOR, value.type());
    assertArrayEquals(new float[] {3, 4}, ((Tensor.F32) value.t().toTensor()).data());
    assertArrayEquals(
        new long[] {0}, g.nodes().get(4).attribute("perm").orElseThrow().ints());
  }

  @Test
  void readsListAndStringAttributes() {
    ProtoWriter node = TinyOnnx.node("n", "Custom", new String[] {"x"}, "y")
        .message(
            5,
            new ProtoWriter()
                .string(1, "fs")
                .varint(20, OnnxAttribute.FLOATS)
                .packedFloats(7, 1.5f, -2f)
                .fixed32(7, Float.floatToIntBits(3f)))
        .message(
            5,
            new ProtoWriter()
                .string(1, "is")
                .varint(20, OnnxAttribute.INTS)
                .varint(8, 4)
                .varint(8, -1))
        .message(
            5, new ProtoWriter().string(1, "s").varint(20, OnnxAttribute.STRING).string(4, "hello"))
        .message(
            5,
            new ProtoWriter()
                .string(1, "g")
                .varint(20, OnnxAttribute.GRAPH)
                .message(6, TinyOnnx.graph()));
    OnnxNode n = OnnxModel.read(TinyOnnx.model(new ProtoWriter().message(1, node)), "attrs")
        .graph()
        .nodes()
        .getFirst();
    assertArrayEquals(
        new float[] {1.5f, -2f, 3f}, n.attribute("fs").orElseThrow().floats());
    assertArrayEquals(new long[] {4, -1}, n.attribute("is").orElseThrow().ints());
    assertEquals("hello", n.attribute("s").orElseThrow().s());
    assertEquals(OnnxAttribute.GRAPH, n.attribute("g").orElseThrow().type());
    assertEquals(List.of("fs", "is", "s", "g"), List.copyOf(n.attributes().keySet()));
  }

  @Test
  void decodesEveryEncoding() {
    assertF32(MODEL.tensor("onnx::MatMul_7"), new int[] {2, 3}, TinyOnnx.W);
    assertF32(MODEL.tensor("layer.bias"), new int[] {3}, TinyOnnx.B);
    assertF32(MODEL.tensor("fc.weight"), new int[] {4, 3}, TinyOnnx.W2);
    assertF32(MODEL.tensor("f16"), new int[] {2}, new float[] {1, -2});
    assertF32(MODEL.tensor("f16t"), new int[] {2}, new float[] {0.5f, 3});
    assertF32(MODEL.tensor("bf16"), new int[] {2}, new float[] {1, -3});
    assertF32(MODEL.tensor("scalar"), new int[] {}, new float[] {2.5f});
    assertF32(MODEL.tensor("empty"), new int[] {0, 5}, new float[0]);
    assertI32(MODEL.tensor("i64"), new int[] {2, 2}, 1, -2, 3, 2_000_000_000);
    assertI32(MODEL.tensor("i64raw"), new int[] {3}, 7, -8, 9);
    assertI32(MODEL.tensor("i32"), new int[] {3}, 5, -6, 7);
    assertI32(MODEL.tensor("u8"), new int[] {3}, 0, 7, 255);
    assertI32(MODEL.tensor("bool"), new int[] {2}, 1, 0);
    assertI32(MODEL.tensor("u64"), new int[] {2}, 0, 42);
    Tensor.F64 d = (Tensor.F64) MODEL.tensor("f64");
    assertArrayEquals(new double[] {1.5, -0.1}, d.data());
    OnnxTensorProto raw = MODEL.graph().initializer("onnx::MatMul_7").orElseThrow();
    assertTrue(raw.hasRawData());
    assertEquals(OnnxDataType.FLOAT, raw.dataType());
    assertArrayEquals(new long[] {2, 3}, raw.dims());
    assertFalse(MODEL.graph().initializer("layer.bias").orElseThrow().hasRawData());
  }

  @Test
  void findsLinearLayersAndTheirWeights() {
    OnnxGraph g = MODEL.graph();
    List<LinearLayer> layers = g.linearLayers();
    assertEquals(2, layers.size());
    LinearLayer mm = layers.get(0);
    assertEquals("onnx::MatMul_7", mm.weight());
    assertEquals("layer.bias", mm.bias());
    assertEquals("h1", mm.output());
    assertFalse(mm.transposed());
    assertEquals(2, mm.in());
    assertEquals(3, mm.out());
    assertEquals("layer", mm.modulePath().orElseThrow());
    LinearLayer fc = layers.get(1);
    assertTrue(fc.transposed());
    assertEquals("fc.bias", fc.bias());
    assertEquals(3, fc.in());
    assertEquals(4, fc.out());
    assertEquals("fc", fc.modulePath().orElseThrow());
    assertEquals(
        Map.of("/layer/MatMul", "onnx::MatMul_7", "/fc/Gemm", "fc.weight"),
        g.matmulWeightsByConsumer());
    // The Gemm weight is stored [out,in]; weightInOut gives [in,out] like the MatMul's.
    Tensor.F32 w2 = (Tensor.F32) fc.weightInOut(g);
    assertArrayEquals(new int[] {3, 4}, w2.shape());
    for (int o = 0; o < 4; o++) {
      for (int i = 0; i < 3; i++) {
        assertEquals(TinyOnnx.W2[o * 3 + i], w2.data()[i * 4 + o]);
      }
    }
    assertArrayEquals(TinyOnnx.W, ((Tensor.F32) mm.weightInOut(g)).data());
  }

  @Test
  void modulePathNeedsAnExporterStyleName() {
    OnnxNode plain =
        new OnnxNode("MatMul_12", "MatMul", "", List.of("a", "b"), List.of("c"), Map.of());
    assertTrue(new LinearLayer(plain, "b", false, null, "c", 1, 1).modulePath().isEmpty());
    OnnxNode top = new OnnxNode("/MatMul", "MatMul", "", List.of("a", "b"), List.of("c"), Map.of());
    assertTrue(new LinearLayer(top, "b", false, null, "c", 1, 1).modulePath().isEmpty());
    assertEquals("c", new OnnxNode("", "Add", "", List.of(), List.of("c"), Map.of()).label());
  }

  @Test
  void readsFromAPath(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tiny.onnx");
    Files.write(file, TinyOnnx.model());
    OnnxModel m = OnnxModel.read(file);
    assertEquals(file.toString(), m.source());
    assertArrayEquals(TinyOnnx.W, ((Tensor.F32) m.tensor("onnx::MatMul_7")).data());
  }

  @Test
  void missingFileAndMissingInitializerNameTheSource(@TempDir Path dir) {
    Path file = dir.resolve("absent.onnx");
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxModel.read(file));
    assertEquals(file + ": cannot read: no such file", e.getMessage());
    assertEquals(file.toString(), e.source());
    OnnxException missing = assertThrows(OnnxException.class, () -> MODEL.tensor("nope"));
    assertEquals("tiny.onnx: graph has no initializer named 'nope'", missing.getMessage());
    assertNull(MODEL.graph().initializer("nope").orElse(null));
  }

  private static void assertF32(Tensor t, int[] shape, float[] data) {
    Tensor.F32 f = (Tensor.F32) t;
    assertArrayEquals(shape, f.shape());
    assertArrayEquals(data, f.data());
  }

  private static void assertI32(Tensor t, int[] shape, int... data) {
    Tensor.I32 i = (Tensor.I32) t;
    assertArrayEquals(shape, i.shape());
    assertArrayEquals(data, i.data());
  }
}
