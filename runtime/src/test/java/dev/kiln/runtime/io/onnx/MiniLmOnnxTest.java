package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real all-MiniLM-L6-v2 ONNX file and checks it against ONNX Runtime and BERT's known shapes. */
class MiniLmOnnxTest {
  private static final int H = 384;
  private static final int FFN = 1536;
  private static Path file;
  private static OnnxModel model;

  @BeforeAll
  static void read() {
    file = OnnxReference.modelFile();
    model = OnnxModel.read(file);
  }

  @Test
  void isTheFileTheReferenceWasMadeWith() throws IOException, NoSuchAlgorithmException {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    assertEquals(OnnxReference.SHA256, HexFormat.of().formatHex(digest));
  }

  @Test
  void graphStructure() {
    assertEquals(6, model.irVersion());
    assertEquals("pytorch", model.producerName());
    assertEquals(11L, model.opsetImports().get(""));
    OnnxGraph g = model.graph();
    assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), g.dataInputs());
    assertEquals(List.of("last_hidden_state"), g.outputs());
    assertEquals(637, g.nodes().size());
    assertEquals(48, g.nodes().stream().filter(n -> n.opType().equals("MatMul")).count());
    assertEquals(102, g.initializers().size());
    assertShape(g, "embeddings.word_embeddings.weight", 30522, H);
    assertShape(g, "embeddings.position_embeddings.weight", 512, H);
    assertShape(g, "embeddings.token_type_embeddings.weight", 2, H);
    assertShape(g, "embeddings.position_ids", 1, 512);
    assertEquals(
        OnnxDataType.INT64,
        g.initializer("embeddings.position_ids").orElseThrow().dataType());
    for (OnnxTensorProto t : g.initializers().values()) {
      assertTrue(t.hasRawData(), t.name());
    }
  }

  @Test
  void linearWeightsMapToTheirModules() {
    OnnxGraph g = model.graph();
    Map<String, String> byNode = g.matmulWeightsByConsumer();
    // 6 per layer: query, key, value, attention output, intermediate, output; the two attention
    // MatMuls per layer multiply activations by activations and are not linear layers.
    assertEquals(36, byNode.size());
    assertEquals("onnx::MatMul_787", byNode.get("/encoder/layer.0/attention/self/query/MatMul"));
    for (String w : byNode.values()) {
      assertTrue(w.startsWith("onnx::MatMul_"), w);
    }
    for (LinearLayer l : g.linearLayers()) {
      String module = l.modulePath().orElseThrow();
      assertTrue(
          module.matches(
              "encoder\\.layer\\.[0-5]\\.(attention\\.self\\.(query|key|value)|attention\\.output"
                  + "\\.dense|intermediate\\.dense|output\\.dense)"),
          module);
      assertEquals(module + ".bias", l.bias());
      assertFalse(l.transposed());
      assertEquals(
          module.contains("output.dense") && !module.contains("attention") ? FFN : H, l.in());
      assertEquals(module.contains("intermediate") ? FFN : H, l.out());
    }
  }

  @Test
  void miniLmHasEveryHuggingFaceParameter() {
    Map<String, Tensor> p = MiniLm.parameters(model);
    assertEquals(MiniLm.parameterNames(6, false), List.copyOf(p.keySet()));
    assertEquals(5 + 6 * 16, p.size());
    assertArrayEquals(
        new int[] {30522, H}, p.get("embeddings.word_embeddings.weight").shape());
    assertArrayEquals(
        new int[] {512, H}, p.get("embeddings.position_embeddings.weight").shape());
    assertArrayEquals(
        new int[] {2, H}, p.get("embeddings.token_type_embeddings.weight").shape());
    for (int i = 0; i < 6; i++) {
      String l = "encoder.layer." + i + ".";
      for (String m : List.of(
          "attention.self.query",
          "attention.self.key",
          "attention.self.value",
          "attention.output.dense")) {
        assertArrayEquals(new int[] {H, H}, p.get(l + m + ".weight").shape());
        assertArrayEquals(new int[] {H}, p.get(l + m + ".bias").shape());
      }
      assertArrayEquals(
          new int[] {H, FFN}, p.get(l + "intermediate.dense.weight").shape());
      assertArrayEquals(new int[] {FFN}, p.get(l + "intermediate.dense.bias").shape());
      assertArrayEquals(new int[] {FFN, H}, p.get(l + "output.dense.weight").shape());
      for (String ln : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        assertArrayEquals(new int[] {H}, p.get(l + ln + ".weight").shape());
        assertArrayEquals(new int[] {H}, p.get(l + ln + ".bias").shape());
      }
    }
    // Linear weights are the MatMul initializers as stored, [in,out].
    Tensor.F32 q0 = (Tensor.F32) p.get("encoder.layer.0.attention.self.query.weight");
    assertArrayEquals(((Tensor.F32) model.tensor("onnx::MatMul_787")).data(), q0.data());
    assertSame(Tensor.DType.F32, p.get("embeddings.LayerNorm.weight").dtype());
  }

  /** Every initializer decodes to exactly what ONNX Runtime holds for it, bit for bit. */
  @Test
  void everyInitializerMatchesOnnxRuntime() throws IOException, OrtException {
    Map<String, Integer> types = new LinkedHashMap<>();
    for (OnnxTensorProto t : model.graph().initializers().values()) {
      types.put(t.name(), t.dataType().code());
    }
    long[][] ids = {{101, 7592, 102}};
    Map<String, OrtInitializers.Value> ort = OrtInitializers.read(
        Files.readAllBytes(file),
        types,
        Map.of(
            "input_ids",
            ids,
            "attention_mask",
            new long[][] {{1, 1, 1}},
            "token_type_ids",
            new long[][] {{0, 0, 0}}));
    assertEquals(types.keySet(), ort.keySet());
    for (OnnxTensorProto t : model.graph().initializers().values()) {
      OrtInitializers.Value v = ort.get(t.name());
      assertNotNull(v, t.name());
      assertArrayEquals(t.dims(), v.shape(), t.name());
      Tensor mine = t.toTensor();
      assertArrayEquals(
          Arrays.stream(t.dims()).mapToInt(Math::toIntExact).toArray(), mine.shape(), t.name());
      if (v.floats() != null) {
        assertArrayEquals(v.floats(), ((Tensor.F32) mine).data(), t.name());
      } else {
        assertArrayEquals(
            Arrays.stream(v.longs()).mapToInt(Math::toIntExact).toArray(),
            ((Tensor.I32) mine).data(),
            t.name());
      }
    }
  }

  private static void assertShape(OnnxGraph g, String name, long... dims) {
    assertArrayEquals(dims, g.initializer(name).orElseThrow().dims(), name);
  }
}
