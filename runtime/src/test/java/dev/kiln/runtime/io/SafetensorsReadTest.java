package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a file laid out as the reference Python implementation writes it: tensors sorted by
 * descending dtype alignment then name, __metadata__ first, header padded with spaces to 8 bytes.
 */
class SafetensorsReadTest {
  static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
      + "\"i64\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]},"
      + "\"f64\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]},"
      + "\"f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]},"
      + "\"i32\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[48,56]},"
      + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[3,3],\"data_offsets\":[56,74]},"
      + "\"f16\":{\"dtype\":\"F16\",\"shape\":[2,5],\"data_offsets\":[74,94]},"
      + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[94,98]},"
      + "\"u8\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[98,101]},"
      + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[101,104]},"
      + "\"fp8\":{\"dtype\":\"F8_E4M3\",\"shape\":[],\"data_offsets\":[104,105]}}";

  static byte[] data() {
    return new Bytes()
        .i64(1, -2, Integer.MAX_VALUE)
        .raw(SafetensorsRoundTripTest.ints(0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F)) // 0.1
        .f64(-1e300)
        .f32(0.1f, -0f)
        .u16(0xFFFF, 0xFFFF, 0xFFFF, 0x7FFF) // I32 -1 and MAX_VALUE as raw LE bytes
        // BF16: 1, -2.5, max, smallest subnormal, +inf, -inf, NaN, -0, 3.140625
        .u16(0x3F80, 0xC020, 0x7F7F, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x8000, 0x4049)
        // F16: 1, -2.5, 65504, smallest subnormal, largest subnormal, smallest normal, +inf, -inf,
        // NaN, -0
        .u16(0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x7E00, 0x8000)
        .u16(0x8000, 1234) // I16: -32768, 1234
        .u8(0, 200, 255)
        .u8(0, 1, 0)
        .u8(0x38) // F8_E4M3 1.0
        .done();
  }

  @TempDir
  Path dir;

  Path file;

  @BeforeEach
  void writeFixture() throws IOException {
    byte[] bytes = Bytes.file(HEADER, data());
    assertEquals(0, (bytes.length - 8 - 105) % 8); // header padded to a multiple of 8
    assertEquals(' ', bytes[8 + HEADER.length()]); // with spaces
    file = Files.write(dir.resolve("reference.safetensors"), bytes);
  }

  @Test
  void readsHeaderInOrder() {
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertEquals(Map.of("format", "pt"), f.metadata());
      assertEquals(
          List.of("i64", "f64", "f32", "i32", "bf16", "f16", "i16", "u8", "bool", "fp8"),
          List.copyOf(f.tensors().keySet()));
      assertEquals(new TensorInfo("bf16", "BF16", new long[] {3, 3}, 56, 74), f.info("bf16"));
      assertEquals(file, f.path());
    }
  }

  @Test
  void convertsHalfPrecisionExactly() {
    try (SafetensorsFile f = Safetensors.open(file)) {
      Tensor.F32 f16 = f.readF32("f16");
      assertArrayEquals(new int[] {2, 5}, f16.shape());
      assertArrayEquals(
          new float[] {
            1f,
            -2.5f,
            65504f,
            0x1p-24f,
            0x3FFp-24f,
            0x1p-14f,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN,
            -0f
          },
          f16.data());
      Tensor.F32 bf16 = f.readF32("bf16");
      assertArrayEquals(
          new float[] {
            1f,
            -2.5f,
            3.3895314e38f,
            0x1p-133f,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN,
            -0f,
            3.140625f
          },
          bf16.data());
      assertArrayEquals(
          new double[] {
            1,
            -2.5,
            65504,
            0x1p-24,
            0x3FFp-24,
            0x1p-14,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            Double.NaN,
            -0.0
          },
          f.readF64("f16").data());
      assertArrayEquals(
          new double[] {
            1,
            -2.5,
            3.3895313892515355e38,
            0x1p-133,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            Double.NaN,
            -0.0,
            3.140625
          },
          f.readF64("bf16").data());
    }
  }

  @Test
  void convertsBetweenFloatWidths() {
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertArrayEquals(
          new float[] {0.1f, Float.NEGATIVE_INFINITY}, f.readF32("f64").data());
      assertArrayEquals(new double[] {0.1, -1e300}, f.readF64("f64").data());
      assertArrayEquals(new double[] {0.1f, -0.0}, f.readF64("f32").data());
      float[] into = {9, 9, 9, 9};
      f.readF32Into("f32", into, 1);
      assertArrayEquals(new float[] {9, 0.1f, -0f, 9}, into);
    }
  }

  @Test
  void convertsIntegers() {
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE}, f.readI32("i64").data());
      assertArrayEquals(new int[] {-1, Integer.MAX_VALUE}, f.readI32("i32").data());
      assertArrayEquals(new int[] {-32768, 1234}, f.readI32("i16").data());
      assertArrayEquals(new int[] {0, 200, 255}, f.readI32("u8").data());
      assertArrayEquals(new int[] {0, 1, 0}, f.readI32("bool").data());
    }
  }

  @Test
  void readAllPicksTheNearestKilnType() {
    Path noFp8 = dir.resolve("nofp8.safetensors");
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertInstanceOf(Tensor.F64.class, f.read("f64"));
      assertInstanceOf(Tensor.F32.class, f.read("bf16"));
      assertInstanceOf(Tensor.I32.class, f.read("bool"));
      assertProblem(
          "tensor 'fp8' has dtype F8_E4M3, which has no Kiln tensor type", () -> f.read("fp8"));
    }
    String header = HEADER.replace(
        ",\"fp8\":{\"dtype\":\"F8_E4M3\",\"shape\":[],\"data_offsets\":[104,105]}", "");
    try {
      Files.write(noFp8, Bytes.file(header, data()));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Map<String, Tensor> all = Safetensors.readAll(noFp8);
    assertEquals(9, all.size());
    assertArrayEquals(new int[] {3}, all.get("i64").shape());
    assertEquals(Tensor.DType.I32, all.get("i64").dtype());
    assertEquals(Tensor.DType.F32, all.get("f16").dtype());
  }

  @Test
  void rejectsConversionsThatLoseMeaning() {
    try (SafetensorsFile f = Safetensors.open(file)) {
      assertProblem(
          "tensor 'i64' has dtype I64; readF32 reads F32, F64, F16 or BF16",
          () -> f.readF32("i64"));
      assertProblem(
          "tensor 'u8' has dtype U8; readF64 reads F32, F64, F16 or BF16", () -> f.readF64("u8"));
      assertProblem(
          "tensor 'f32' has dtype F32; readI32 reads I32, I64, U32, U64, I16, U16, I8, U8 or BOOL",
          () -> f.readI32("f32"));
      assertProblem(
          "tensor 'bool' has dtype BOOL; readF32 reads F32, F64, F16 or BF16",
          () -> f.readF32Into("bool", new float[3], 0));
      assertProblem("no tensor named 'nope'", () -> f.readF32("nope"));
    }
  }

  @Test
  void rejectsIntegersOutsideTheIntRange() throws IOException {
    String header = "{\"big\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
        + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[16,24]},"
        + "\"u32\":{\"dtype\":\"U32\",\"shape\":[2],\"data_offsets\":[24,32]},"
        + "\"neg\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[32,40]}}";
    byte[] data = new Bytes()
        .i64(7, 5_000_000_000L)
        .i64(-1)
        .i32(5, (int) 3_000_000_000L)
        .i64(Integer.MIN_VALUE - 1L)
        .done();
    Path p = Files.write(dir.resolve("ints.safetensors"), Bytes.file(header, data));
    try (SafetensorsFile f = Safetensors.open(p)) {
      assertProblem(
          "tensor 'big' element 1 is 5000000000, outside the I32 range", () -> f.readI32("big"));
      assertProblem(
          "tensor 'u64' element 0 is 18446744073709551615, outside the I32 range",
          () -> f.readI32("u64"));
      assertProblem(
          "tensor 'u32' element 1 is 3000000000, outside the I32 range", () -> f.readI32("u32"));
      assertProblem(
          "tensor 'neg' element 0 is -2147483649, outside the I32 range", () -> f.readI32("neg"));
    }
  }

  @Test
  void readsUnalignedTensorsAndToleratesGapsAndTrailingBytes() throws IOException {
    // Another writer may put an F64 at an odd offset and leave gaps; neither harms reading.
    String header =
        "  {\"b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[3,11],\"extra\":\"ignored\"},"
            + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
            + "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[5,5]},\"__metadata__\":null}";
    byte[] data = new Bytes().u8(7, 0xEE, 0xEE).f64(-0.75).u8(1, 2, 3).done();
    Path p = Files.write(dir.resolve("gaps.safetensors"), Bytes.rawFile(header, data));
    try (SafetensorsFile f = Safetensors.open(p)) {
      assertArrayEquals(new double[] {-0.75}, f.readF64("b").data());
      assertArrayEquals(new int[] {7}, f.readI32("a").data());
      assertArrayEquals(new float[0], f.readF32("z").data());
      assertEquals(Map.of(), f.metadata());
    }
  }

  @Test
  void readsTheReferenceFileThatHasNoPadding() throws IOException {
    // Bytes from the reference implementation's test_serialization (64-byte header, no padding).
    byte[] bytes = SafetensorsRoundTripTest.ints(
        64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121,
        112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44,
        50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91,
        48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0,
        128, 64, 0, 0, 160, 64);
    Path p = Files.write(dir.resolve("attn.safetensors"), bytes);
    Tensor.F32 t = (Tensor.F32) Safetensors.readAll(p).get("attn.0");
    assertArrayEquals(new int[] {1, 2, 3}, t.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.data());
  }

  @Test
  void rejectsShapesThatJavaArraysCannotHold() throws IOException {
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0,3000000000],\"data_offsets\":[0,0]}}";
    Path p = Files.write(dir.resolve("wide.safetensors"), Bytes.file(header, new byte[0]));
    try (SafetensorsFile f = Safetensors.open(p)) {
      assertEquals(0, f.info("a").elementCount());
      assertProblem(
          "tensor 'a' shape [0,3000000000] has a dimension larger than 2147483647",
          () -> f.readF32("a"));
    }
  }

  @Test
  void readsFailCleanlyAfterClose() {
    SafetensorsFile f = Safetensors.open(file);
    f.close();
    f.close(); // idempotent
    assertProblem("file is closed", () -> f.readF32("f32"));
    assertEquals(Map.of("format", "pt"), f.metadata()); // the header stays available
  }

  private void assertProblem(String problem, Runnable read) {
    SafetensorsException e = assertThrows(SafetensorsException.class, read::run);
    assertEquals(problem, e.problem());
    assertEquals(e.file() + ": " + problem, e.getMessage());
  }
}
