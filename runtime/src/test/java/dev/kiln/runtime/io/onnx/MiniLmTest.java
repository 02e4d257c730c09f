package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@link MiniLm} on a synthetic two-layer BERT export (hidden 4, FFN 8) with a Gemm pooler. */
class MiniLmTest {
  private static final int H = 4;
  private static final int FFN = 8;

  @Test
  void mapsEveryParameterAndTransposesTheGemmPooler() {
    Map<String, Tensor> p = MiniLm.parameters(OnnxModel.read(bert(name -> true, H), "bert.onnx"));
    assertEquals(MiniLm.parameterNames(2, true), List.copyOf(p.keySet()));
    assertEquals(5 + 2 * 16 + 2, p.size());
    // Anonymous MatMul weights come through as stored, [in,out]; seeds 0-4 are embeddings, 5-6 the
    // query.
    assertArrayEquals(
        values(H * H, 7), ((Tensor.F32) p.get("encoder.layer.0.attention.self.key.weight")).data());
    assertArrayEquals(
        new int[] {FFN, H}, p.get("encoder.layer.1.output.dense.weight").shape());
    // The pooler's Gemm stores "pooler.dense.weight" [out,in] (transB=1): it comes back [in,out].
    float[] stored = values(H * H, 99);
    float[] got = ((Tensor.F32) p.get("pooler.dense.weight")).data();
    for (int o = 0; o < H; o++) {
      for (int i = 0; i < H; i++) {
        assertEquals(stored[o * H + i], got[i * H + o]);
      }
    }
    assertArrayEquals(values(H, 100), ((Tensor.F32) p.get("pooler.dense.bias")).data());
  }

  @Test
  void missingParameterIsNamed() {
    byte[] b = bert(name -> !name.equals("encoder.layer.1.output.LayerNorm.bias"), H);
    OnnxException e =
        assertThrows(OnnxException.class, () -> MiniLm.parameters(OnnxModel.read(b, "bert.onnx")));
    assertEquals(
        "bert.onnx: no initializer or linear layer gives BERT parameter 'encoder.layer.1.output.LayerNorm.bias'",
        e.getMessage());
  }

  @Test
  void wrongShapeIsNamed() {
    byte[] b = bert(name -> true, H + 1);
    OnnxException e =
        assertThrows(OnnxException.class, () -> MiniLm.parameters(OnnxModel.read(b, "bert.onnx")));
    assertEquals(
        "bert.onnx: BERT parameter 'embeddings.LayerNorm.weight' has shape [5], expected [4] (hidden 4, 2 layers)",
        e.getMessage());
  }

  @Test
  void aModelWithoutEncoderLayersIsNotBert() {
    OnnxException e = assertThrows(
        OnnxException.class,
        () -> MiniLm.parameters(OnnxModel.read(TinyOnnx.model(), "tiny.onnx")));
    assertEquals(
        "tiny.onnx: no BERT encoder layer found (no MatMul node named"
            + " /encoder/layer.0/attention/self/query/MatMul with a weight initializer)",
        e.getMessage());
  }

  /**
   * A BERT graph the way PyTorch exports it: HF names for embeddings, LayerNorms and biases, MatMul
   * weights as {@code onnx::MatMul_N} found through the node name. Only initializers whose names pass
   * {@code keep} are written; LayerNorm vectors get {@code ln} elements.
   */
  private static byte[] bert(Predicate<String> keep, int ln) {
    ProtoWriter g = new ProtoWriter();
    int[] seed = {0};
    Builder b = new Builder(g, keep);
    b.init("embeddings.word_embeddings.weight", new int[] {10, H}, seed);
    b.init("embeddings.position_embeddings.weight", new int[] {6, H}, seed);
    b.init("embeddings.token_type_embeddings.weight", new int[] {2, H}, seed);
    b.init("embeddings.LayerNorm.weight", new int[] {ln}, seed);
    b.init("embeddings.LayerNorm.bias", new int[] {ln}, seed);
    int anonymous = 700;
    for (int l = 0; l < 2; l++) {
      String p = "encoder.layer." + l + ".";
      for (String m : List.of(
          "attention.self.query",
          "attention.self.key",
          "attention.self.value",
          "attention.output.dense",
          "intermediate.dense",
          "output.dense")) {
        int in = m.equals("output.dense") ? FFN : H;
        int out = m.equals("intermediate.dense") ? FFN : H;
        String node = "/" + (p + m).replace('.', '/').replace("layer/" + l, "layer." + l);
        String weight = "onnx::MatMul_" + anonymous++;
        g.message(
            1, TinyOnnx.node(node + "/MatMul", "MatMul", new String[] {"x", weight}, node + "/mm"));
        g.message(
            1,
            TinyOnnx.node(
                node + "/Add", "Add", new String[] {p + m + ".bias", node + "/mm"}, node + "/y"));
        b.init(weight, new int[] {in, out}, seed);
        b.init(p + m + ".bias", new int[] {out}, seed);
      }
      for (String m : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        b.init(p + m + ".weight", new int[] {ln}, seed);
        b.init(p + m + ".bias", new int[] {ln}, seed);
      }
    }
    seed[0] = 99;
    g.message(
        1,
        TinyOnnx.node(
                "/pooler/dense/Gemm",
                "Gemm",
                new String[] {"cls", "pooler.dense.weight", "pooler.dense.bias"},
                "pooled")
            .message(5, new ProtoWriter().string(1, "transB").varint(20, 2).varint(3, 1)));
    b.init("pooler.dense.weight", new int[] {H, H}, seed);
    b.init("pooler.dense.bias", new int[] {H}, seed);
    return TinyOnnx.model(g);
  }

  /** Writes FLOAT initializers holding {@link #values}, one seed after another. */
  private record Builder(ProtoWriter g, Predicate<String> keep) {
    void init(String name, int[] shape, int[] seed) {
      int n = Math.toIntExact(Tensor.count(shape));
      float[] v = values(n, seed[0]++);
      if (keep.test(name)) {
        g.message(
            5,
            TinyOnnx.tensor(
                    name,
                    OnnxDataType.FLOAT,
                    Arrays.stream(shape).asLongStream().toArray())
                .bytes(9, TinyOnnx.f32(v)));
      }
    }
  }

  private static float[] values(int n, int seed) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = seed + i / 100f;
    }
    return v;
  }
}
