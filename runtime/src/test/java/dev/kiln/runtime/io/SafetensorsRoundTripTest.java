package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
  @TempDir
  Path dir;

  @Test
  void roundTripsEveryKilnDtypeAndMetadata() {
    Tensor.F32 f32 = new Tensor.F32(
        new int[] {2, 3},
        new float[] {0, -1.5f, Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MIN_VALUE});
    Tensor.F64 f64 =
        new Tensor.F64(new int[] {3}, new double[] {0.1, -Double.MAX_VALUE, Double.MIN_VALUE});
    Tensor.I32 i32 =
        new Tensor.I32(new int[] {2, 2}, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE});
    Tensor.F32 scalar = new Tensor.F32(new int[] {}, new float[] {42});
    Tensor.F32 empty = new Tensor.F32(new int[] {0, 4}, new float[0]);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("w.f32", f32);
    tensors.put("w.f64", f64);
    tensors.put("ids", i32);
    tensors.put("scalar", scalar);
    tensors.put("empty", empty);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("step", "1200");
    metadata.put("config", "{\"d_model\": 768}");
    Path file = dir.resolve("ckpt.safetensors");
    Safetensors.write(file, tensors, metadata);

    Map<String, Tensor> back = Safetensors.readAll(file);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.keySet()));
    for (String name : tensors.keySet()) {
      assertTensorEquals(tensors.get(name), back.get(name));
    }
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertEquals(metadata, f.metadata());
      // Written sorted, so equal state gives equal bytes whatever map the caller used.
      assertEquals(List.of("config", "step"), List.copyOf(f.metadata().keySet()));
      assertEquals(new TensorInfo("w.f64", "F64", new long[] {3}, 0, 24), f.info("w.f64"));
      assertEquals("w.f32 F32 [2,3] [24, 48]", f.info("w.f32").toString());
      assertEquals(1, f.info("scalar").elementCount());
    }
  }

  @Test
  void placesWideDtypesFirstSoEveryTensorIsAligned() {
    SafetensorsWriter w = new SafetensorsWriter()
        .add("a", new Tensor.F32(new int[] {3}, new float[] {1, 2, 3}))
        .add("b", new Tensor.F64(new int[] {1}, new double[] {4}))
        .add("c", new Tensor.I32(new int[] {1}, new int[] {5}))
        .add("d", new Tensor.F64(new int[] {2}, new double[] {6, 7}));
    Path file = dir.resolve("aligned.safetensors");
    w.write(file);
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertEquals(
          List.of("a", "b", "c", "d"),
          List.copyOf(f.tensors().keySet())); // header keeps insertion order
      assertEquals(0, f.info("b").begin());
      assertEquals(8, f.info("d").begin());
      assertEquals(24, f.info("a").begin());
      assertEquals(36, f.info("c").begin());
      assertArrayEquals(new double[] {6, 7}, f.readF64("d").data());
      assertArrayEquals(new int[] {5}, f.readI32("c").data());
    }
  }

  @Test
  void matchesTheReferenceSerialisationByteForByte() {
    // Vectors from the reference implementation's own tests (safetensors/src/tensor.rs).
    byte[] attn = new SafetensorsWriter()
        .add("attn.0", new Tensor.F32(new int[] {1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5}))
        .toBytes();
    assertArrayEquals(
        ints(
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91,
            49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115,
            34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0,
            64, 64, 0, 0, 128, 64, 0, 0, 160, 64),
        attn);
    byte[] aligned = new SafetensorsWriter()
        .add("attn0", new Tensor.F32(new int[] {1, 1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5}))
        .toBytes();
    assertArrayEquals(
        ints(
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121,
            112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49,
            44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116,
            115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0,
            0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64),
        aligned);
    assertArrayEquals(
        ints(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32),
        new SafetensorsWriter().toBytes());
    assertArrayEquals(
        ints(
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95,
            34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34,
            125, 125, 32, 32, 32, 32, 32),
        new SafetensorsWriter().metadata("framework", "pt").toBytes());
  }

  @Test
  void largeTensorsCrossTheWriteChunkBoundary() throws IOException {
    int n = 700_001; // more than one 1 MiB chunk of floats, and not a multiple of it
    float[] data = new float[n];
    for (int i = 0; i < n; i++) {
      data[i] = i * 0.5f - 3;
    }
    Path file = dir.resolve("big.safetensors");
    new SafetensorsWriter().add("big", new Tensor.F32(new int[] {n}, data)).write(file);
    assertEquals(8 + 72 + 4L * n, Files.size(file));
    try (SafetensorsFile f = Safetensors.open(file)) {
      float[] into = new float[n + 10];
      f.readF32Into("big", into, 7);
      for (int i = 0; i < n; i++) {
        assertEquals(data[i], into[i + 7]);
      }
      assertThrows(IndexOutOfBoundsException.class, () -> f.readF32Into("big", into, 11));
    }
  }

  @Test
  void replacesAnExistingFileAndLeavesNoTemporaries() throws IOException {
    Path file = dir.resolve("w.safetensors");
    new SafetensorsWriter()
        .add("x", new Tensor.I32(new int[] {1}, new int[] {1}))
        .write(file);
    new SafetensorsWriter()
        .add("y", new Tensor.I32(new int[] {1}, new int[] {2}))
        .write(file);
    assertArrayEquals(new int[] {2}, ((Tensor.I32) Safetensors.readAll(file).get("y")).data());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void writerRejectsBadNames() {
    SafetensorsWriter w = new SafetensorsWriter().add("a", new Tensor.F32(1));
    assertEquals(
        "duplicate tensor name 'a'",
        assertThrows(IllegalArgumentException.class, () -> w.add("a", new Tensor.F32(1)))
            .getMessage());
    assertEquals(
        "'__metadata__' is reserved and cannot name a tensor",
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", new Tensor.F32(1)))
            .getMessage());
    assertEquals(
        "not valid Unicode: \"x\\ud800\"",
        assertThrows(IllegalArgumentException.class, () -> w.add("x\uD800", new Tensor.F32(1)))
            .getMessage());
    assertThrows(NullPointerException.class, () -> w.metadata("k", null));
  }

  @Test
  void writeFailureIsASafetensorsExceptionNamingTheFile() {
    Path file = dir.resolve("missing-dir").resolve("w.safetensors");
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> new SafetensorsWriter().write(file));
    assertEquals(file, e.file());
    String prefix = file + ": could not write: no such file or directory: ";
    assertEquals(true, e.getMessage().startsWith(prefix), e.getMessage());
    assertInstanceOf(IOException.class, e.getCause());
  }

  static void assertTensorEquals(Tensor expected, Tensor actual) {
    assertEquals(expected.dtype(), actual.dtype());
    assertArrayEquals(expected.shape(), actual.shape());
    switch (expected) {
      case Tensor.F32 e -> assertArrayEquals(e.data(), ((Tensor.F32) actual).data());
      case Tensor.F64 e -> assertArrayEquals(e.data(), ((Tensor.F64) actual).data());
      case Tensor.I32 e -> assertArrayEquals(e.data(), ((Tensor.I32) actual).data());
    }
  }

  static byte[] ints(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
