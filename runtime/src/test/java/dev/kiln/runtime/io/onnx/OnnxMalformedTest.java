package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made broken files: each fails with an OnnxException that says where and what. */
class OnnxMalformedTest {
  @Test
  void emptyOrGraphlessInputIsNotAModel() {
    assertProblem(new byte[0], "model has no graph (field 7); is this an ONNX model file?");
    assertProblem(
        new ProtoWriter().varint(1, 7).done(),
        "model has no graph (field 7); is this an ONNX model file?");
  }

  @Test
  void lengthsPastTheEnd() {
    byte[] b = new ProtoWriter()
        .tag(7, ProtoReader.LEN)
        .rawVarint(1000)
        .raw(new byte[10])
        .done();
    assertProblem(
        b, "model: field 7 length 1000 runs past the end of model (10 bytes left) (offset 1)");
    // A length that fits the file but not the enclosing message.
    ProtoWriter graph = new ProtoWriter().tag(5, ProtoReader.LEN).rawVarint(50).raw(new byte[3]);
    byte[] nested = new ProtoWriter().message(7, graph).raw(new byte[60]).done();
    assertProblem(
        nested,
        "model.graph: field 5 length 50 runs past the end of model.graph (3 bytes left) (offset 3)");
    // A length of 2^63 and more must not wrap round.
    byte[] huge = new ProtoWriter().tag(7, ProtoReader.LEN).rawVarint(-1).done();
    assertTrue(
        problem(huge).startsWith("model: field 7 length 18446744073709551615 runs past the end"));
  }

  @Test
  void truncatedAndOverlongVarints() {
    assertProblem(
        new byte[] {0x08, (byte) 0x80}, "model: varint runs past the end of model (offset 1)");
    byte[] eleven = {0x08, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01};
    assertProblem(eleven, "model: varint longer than 64 bits (offset 1)");
    byte[] tenthTooBig = {0x08, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x02};
    assertProblem(tenthTooBig, "model: varint longer than 64 bits (offset 1)");
  }

  @Test
  void invalidTags() {
    assertProblem(new byte[] {0x06}, "model: invalid field number 0 (offset 0)");
    assertProblem(new byte[] {0x0e}, "model: field 1 has invalid wire type 6 (offset 0)");
    assertProblem(new byte[] {0x0f}, "model: field 1 has invalid wire type 7 (offset 0)");
    assertProblem(
        new ProtoWriter().tag(99, ProtoReader.END_GROUP).done(),
        "model: end-group tag for field 99 without a start-group (offset 0)");
    assertProblem(
        new ProtoWriter()
            .fixed32(99, 0)
            .tag(9, ProtoReader.FIXED64)
            .raw(new byte[3])
            .done(),
        "model: 8-byte value runs past the end of model (offset 7)");
  }

  @Test
  void wrongWireTypes() {
    assertProblem(
        new ProtoWriter().varint(7, 1).done(),
        "model: field graph (7) cannot have wire type 0 (offset 0)");
    ProtoWriter badName = new ProtoWriter().fixed32(8, 0);
    assertProblem(
        graphWith(badName),
        "model.graph.initializer[0]: field name (8) cannot have wire type 5 (offset 4)");
    ProtoWriter badDims = new ProtoWriter().fixed64(1, 0);
    assertProblem(
        graphWith(badDims),
        "model.graph.initializer[0]: field dims (1) cannot have wire type 1 (offset 4)");
    ProtoWriter badData = TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1).varint(4, 1);
    assertTensorProblem(graphWith(badData), "field float_data (4) cannot have wire type 0");
  }

  @Test
  void absurdDims() {
    byte[] four = TinyOnnx.f32(new float[] {1});
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1L << 40, 1L << 40).bytes(9, four)),
        "model.graph.initializer[0] 'w': dims [1099511627776, 1099511627776]: dimension 0 is out of range");
    assertTensorProblem(
        graphWith(
            TinyOnnx.tensor("w", OnnxDataType.FLOAT, 100_000, 100_000, 1000).bytes(9, four)),
        "dims [100000, 100000, 1000] hold more than 2147483639 elements");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 2, -3).bytes(9, four)),
        "dims [2, -3]: dimension 1 is out of range");
    // Within array limits, but the file does not hold the data: no 4 GB array is allocated to find
    // out.
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1_000_000_000).bytes(9, four)),
        "raw_data has 4 bytes, dims [1000000000] of FLOAT need 4000000000");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1_000_000_000).packedFloats(4, 1f)),
        "float_data has 1 values, dims [1000000000] need 1000000000");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.INT64, 1_000_000_000)),
        "int64_data has 0 values, dims [1000000000] need 1000000000");
    long[] rank33 = new long[33];
    Arrays.fill(rank33, 1);
    assertProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, rank33)),
        "model.graph.initializer[0]: dims has more than 32 elements (offset 68)");
  }

  @Test
  void dataThatDoesNotMatchItsType() {
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 2, 2).bytes(9, new byte[12])),
        "'w': raw_data has 12 bytes, dims [2, 2] of FLOAT need 16");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1).bytes(4, new byte[6])),
        "packed float_data has 6 bytes, not a multiple of 4");
    assertTensorProblem(
        graphWith(
            TinyOnnx.tensor("w", OnnxDataType.INT64, 2).bytes(7, new byte[] {1, (byte) 0x80})),
        "packed int64_data ends inside a varint");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.INT64, 1).packedVarints(7, 1L << 31)),
        "INT64 element 0 = 2147483648 does not fit a 32-bit int");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.UINT64, 1).bytes(9, TinyOnnx.i64(-1))),
        "UINT64 element 0 = 18446744073709551615 does not fit a 32-bit int");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.STRING, 1).bytes(6, new byte[] {65})),
        "data_type 8 (STRING) has no Kiln tensor type");
    assertTensorProblem(
        graphWith(new ProtoWriter().varint(1, 1).varint(2, 99).string(8, "w")),
        "data_type 99 (UNKNOWN) has no Kiln tensor type");
    assertTensorProblem(
        graphWith(TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1).varint(14, 1)),
        "data is in an external file (data_location EXTERNAL), which this reader does not load");
    assertTensorProblem(
        graphWith(
            TinyOnnx.tensor("w", OnnxDataType.FLOAT, 1).message(3, new ProtoWriter().varint(1, 0))),
        "segmented tensors are not supported");
  }

  @Test
  void duplicatesAndBadText() {
    ProtoWriter twice = new ProtoWriter()
        .message(5, TinyOnnx.tensor("w", OnnxDataType.FLOAT))
        .message(5, TinyOnnx.tensor("w", OnnxDataType.FLOAT));
    assertTrue(
        problem(bare(twice)).startsWith("model.graph: two initializers are named 'w' (offset "));
    byte[] twoGraphs = new ProtoWriter()
        .message(7, new ProtoWriter())
        .message(7, new ProtoWriter())
        .done();
    assertProblem(twoGraphs, "model: graph appears twice (offset 2)");
    ProtoWriter node = new ProtoWriter().bytes(3, new byte[] {(byte) 0xc3, 0x28});
    assertProblem(
        bare(new ProtoWriter().message(1, node)),
        "model.graph.node[0]: name is not valid UTF-8 (offset 6)");
    ProtoWriter attrs = new ProtoWriter()
        .message(5, new ProtoWriter().string(1, "a"))
        .message(5, new ProtoWriter().string(1, "a"));
    assertTrue(problem(bare(new ProtoWriter().message(1, attrs)))
        .startsWith("model.graph.node[0]: two attributes are named 'a'"));
  }

  @Test
  void deeplyNestedGroupsAreBounded() {
    ProtoWriter deep = new ProtoWriter();
    for (int i = 0; i < 100_000; i++) {
      deep.tag(99, ProtoReader.START_GROUP);
    }
    assertProblem(deep.done(), "model: groups nested deeper than 64 (offset 128)");
    ProtoWriter ok = new ProtoWriter();
    for (int i = 0; i < 64; i++) {
      ok.tag(99, ProtoReader.START_GROUP).varint(1, i);
    }
    for (int i = 0; i < 64; i++) {
      ok.tag(99, ProtoReader.END_GROUP);
    }
    assertEquals(
        "tiny",
        OnnxModel.read(concat(ok.done(), TinyOnnx.model()), "ok").graph().name());
    assertProblem(
        new ProtoWriter().tag(99, ProtoReader.START_GROUP).varint(1, 1).done(),
        "model: group 99 is never closed (offset 0)");
    assertProblem(
        new ProtoWriter()
            .tag(99, ProtoReader.START_GROUP)
            .tag(98, ProtoReader.END_GROUP)
            .done(),
        "model: end-group 98 closes group 99 (offset 2)");
  }

  /** Nesting in fields the reader skips costs nothing: a skipped field is stepped over by its length. */
  @Test
  void deeplyNestedMessagesInSkippedFieldsAreSteppedOver() {
    byte[] inner = new ProtoWriter().varint(1, 1).done();
    for (int i = 0; i < 10_000; i++) {
      inner =
          new ProtoWriter().bytes(6, inner).done(); // attribute g (a subgraph) and then more of it
    }
    ProtoWriter attr = new ProtoWriter()
        .string(1, "then_branch")
        .varint(20, OnnxAttribute.GRAPH)
        .raw(inner);
    ProtoWriter node = TinyOnnx.node("/If", "If", new String[] {"c"}, "y").message(5, attr);
    OnnxModel m = OnnxModel.read(bare(new ProtoWriter().message(1, node).raw(inner)), "deep");
    assertEquals("If", m.graph().nodes().getFirst().opType());
  }

  @Test
  void aBadFileIsNamedInTheMessage(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.onnx");
    byte[] full = TinyOnnx.model();
    Files.write(file, Arrays.copyOf(full, full.length / 2));
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxModel.read(file));
    assertTrue(e.getMessage().startsWith(file + ": model: field 7 length "), e.getMessage());
    assertEquals(file.toString(), e.source());
    assertTrue(e.problem().contains("runs past the end of model"), e.problem());
  }

  /** A model whose graph holds just initializer {@code tensor}. */
  private static ProtoWriter graphWith(ProtoWriter tensor) {
    return new ProtoWriter().message(5, tensor);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static void assertProblem(ProtoWriter graph, String problem) {
    assertProblem(bare(graph), problem);
  }

  /** A model that is just {@code graph}, so that offsets in messages are easy to count. */
  private static byte[] bare(ProtoWriter graph) {
    return new ProtoWriter().message(7, graph).done();
  }

  private static void assertProblem(byte[] file, String problem) {
    assertEquals("bad.onnx: " + problem, message(file));
  }

  /** The graph reads; converting its first initializer fails with a message containing {@code problem}. */
  private static void assertTensorProblem(ProtoWriter graph, String problem) {
    OnnxModel m = OnnxModel.read(TinyOnnx.model(graph), "bad.onnx");
    OnnxTensorProto t = m.graph().initializers().values().iterator().next();
    OnnxException e = assertThrows(OnnxException.class, t::toTensor);
    assertTrue(e.getMessage().startsWith("bad.onnx: model.graph.initializer[0] '"), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertTrue(e.getMessage().matches(".*\\(offset \\d+\\)$"), e.getMessage());
  }

  private static String problem(byte[] file) {
    return assertThrows(OnnxException.class, () -> OnnxModel.read(file, "bad.onnx"))
        .problem();
  }

  private static String message(byte[] file) {
    return assertThrows(OnnxException.class, () -> OnnxModel.read(file, "bad.onnx"))
        .getMessage();
  }
}
