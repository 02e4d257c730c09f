package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be broken that validation catches, each with its exact message. */
class SafetensorsMalformedTest {
  @TempDir
  Path dir;

  private static String tensor(String name, String dtype, String shape, String offsets) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":"
        + offsets + "}";
  }

  private static String header(String... tensors) {
    return "{" + String.join(",", tensors) + "}";
  }

  @Test
  void emptyFile() {
    assertProblem("file is empty", new byte[0]);
  }

  @Test
  void sevenByteFile() {
    assertProblem("file is 7 bytes long, too short for the 8-byte header length", new byte[7]);
  }

  @Test
  void headerLengthPastEndOfFile() {
    assertProblem(
        "header length 1000 is larger than the 10 bytes after it",
        new Bytes().u64(1000).raw(new byte[10]).done());
  }

  @Test
  void truncatedHeader() {
    byte[] whole = Bytes.file(header(tensor("a", "F32", "[1]", "[0,4]")), new byte[4]);
    byte[] cut = java.util.Arrays.copyOf(whole, 30);
    assertProblem("header length 56 is larger than the 22 bytes after it", cut);
  }

  @Test
  void headerLengthOverLimit() {
    assertProblem(
        "header length 100000001 exceeds the limit of 100000000 bytes",
        new Bytes().u64(100_000_001).done());
    assertProblem(
        "header length 18446744073709551615 exceeds the limit of 100000000 bytes",
        new Bytes().u64(-1).done());
  }

  @Test
  void headerNotJson() {
    assertProblem(
        "header is not valid JSON: expected a value at 1:1, found 'n'",
        Bytes.file("not json", new byte[0]));
  }

  @Test
  void headerCutShortInsideJson() {
    assertProblem(
        "header is not valid JSON: expected ',' or '}' at 1:20 (end of input)",
        Bytes.rawFile("{\"a\":{\"dtype\":\"F32\"", new byte[0]));
  }

  @Test
  void headerNotUtf8() {
    byte[] bytes = Bytes.file("{\"a\":1}", new byte[0]);
    bytes[8 + 2] = (byte) 0xFF;
    assertProblem("header is not valid JSON: invalid UTF-8 byte 0xFF at 1:3", bytes);
  }

  @Test
  void headerPaddedWithNulsInsteadOfSpaces() {
    assertProblem(
        "header is not valid JSON: trailing characters after JSON value at 1:3",
        Bytes.rawFile("{}\0\0\0\0\0\0", new byte[0]));
  }

  @Test
  void headerNotAnObject() {
    assertProblem("header is not a JSON object (found array)", Bytes.file("[]", new byte[0]));
    assertProblem("header is not a JSON object (found null)", Bytes.file("null", new byte[0]));
  }

  @Test
  void headerNestedTooDeep() {
    assertProblem(
        "header is not valid JSON: nesting deeper than 512 at 1:517",
        Bytes.file("{\"a\":" + "[".repeat(600) + "]".repeat(600) + "}", new byte[0]));
  }

  @Test
  void tensorEntryNotAnObject() {
    assertProblem(
        "tensor 'a' is not a JSON object (found number)", Bytes.file("{\"a\":1}", new byte[0]));
  }

  @Test
  void missingMembers() {
    assertProblem(
        "tensor 'a' has no dtype",
        Bytes.file("{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]));
    assertProblem(
        "tensor 'a' has no shape",
        Bytes.file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]));
    assertProblem(
        "tensor 'a' has no data_offsets",
        Bytes.file("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", new byte[4]));
  }

  @Test
  void dtypeNotAString() {
    String header = header(tensor("a", "F32", "[1]", "[0,4]")).replace("\"F32\"", "32");
    assertProblem(
        "tensor 'a' dtype is not a string (found number)", Bytes.file(header, new byte[4]));
  }

  @Test
  void unknownDtype() {
    assertProblem(
        "tensor 'a' has unknown dtype 'F12'",
        Bytes.file(header(tensor("a", "F12", "[1]", "[0,4]")), new byte[4]));
    assertProblem(
        "tensor 'a' has unknown dtype 'f32'",
        Bytes.file(header(tensor("a", "f32", "[1]", "[0,4]")), new byte[4]));
  }

  @Test
  void negativeDimension() {
    assertProblem(
        "tensor 'a' has a negative dimension in shape [2,-1]",
        Bytes.file(header(tensor("a", "F32", "[2,-1]", "[0,4]")), new byte[4]));
  }

  @Test
  void nonIntegerDimension() {
    assertProblem(
        "tensor 'a' shape is not an array of integers: [2,1.5]",
        Bytes.file(header(tensor("a", "F32", "[2,1.5]", "[0,4]")), new byte[4]));
    assertProblem(
        "tensor 'a' shape is not an array of integers: [1.0E20]",
        Bytes.file(header(tensor("a", "F32", "[100000000000000000000]", "[0,4]")), new byte[4]));
    assertProblem(
        "tensor 'a' shape is not an array of integers: \"2x3\"",
        Bytes.file(header(tensor("a", "F32", "\"2x3\"", "[0,4]")), new byte[4]));
  }

  @Test
  void malformedOffsets() {
    assertProblem(
        "tensor 'a' data_offsets is not a pair of non-negative integers: [0]",
        Bytes.file(header(tensor("a", "F32", "[1]", "[0]")), new byte[4]));
    assertProblem(
        "tensor 'a' data_offsets is not a pair of non-negative integers: [-4,0]",
        Bytes.file(header(tensor("a", "F32", "[1]", "[-4,0]")), new byte[4]));
    assertProblem(
        "tensor 'a' data_offsets is not a pair of non-negative integers: null",
        Bytes.file(header(tensor("a", "F32", "[1]", "null")), new byte[4]));
  }

  @Test
  void reversedOffsets() {
    assertProblem(
        "tensor 'a' data_offsets [8, 4] end before they begin",
        Bytes.file(header(tensor("a", "F32", "[1]", "[8,4]")), new byte[8]));
  }

  @Test
  void shapeDoesNotMatchSize() {
    assertProblem(
        "tensor 'h.0.attn.c_attn.weight' data_offsets [0, 100] do not match dtype F32 and shape "
            + "[768,2304] (7077888 bytes)",
        Bytes.file(
            header(tensor("h.0.attn.c_attn.weight", "F32", "[768,2304]", "[0,100]")),
            new byte[100]));
    assertProblem(
        "tensor 'a' data_offsets [0, 8] do not match dtype BF16 and shape [] (2 bytes)",
        Bytes.file(header(tensor("a", "BF16", "[]", "[0,8]")), new byte[8]));
  }

  @Test
  void sizeOverflowsSixtyFourBits() {
    assertProblem(
        "tensor 'a' shape [4294967296,4294967296] is too large: its F32 byte count overflows 64 bits",
        Bytes.file(header(tensor("a", "F32", "[4294967296,4294967296]", "[0,4]")), new byte[4]));
    // The element count fits in a long; only multiplying by the element size overflows.
    assertProblem(
        "tensor 'a' shape [2305843009213693952] is too large: its F64 byte count overflows 64 bits",
        Bytes.file(header(tensor("a", "F64", "[2305843009213693952]", "[0,4]")), new byte[4]));
  }

  @Test
  void offsetsPastEndOfData() {
    // A file cut short in its data section.
    assertProblem(
        "tensor 'a' data_offsets [0, 16] run past the end of the 8-byte data section",
        Bytes.file(header(tensor("a", "F32", "[4]", "[0,16]")), new byte[8]));
    assertProblem(
        "tensor 'a' data_offsets [9223372036854775800, 9223372036854775804] run past the end of the "
            + "8-byte data section",
        Bytes.file(
            header(tensor("a", "F32", "[1]", "[9223372036854775800,9223372036854775804]")),
            new byte[8]));
  }

  @Test
  void overlappingTensors() {
    assertProblem(
        "tensors 'a' [0, 16] and 'b' [8, 24] overlap",
        Bytes.file(
            header(tensor("b", "F32", "[4]", "[8,24]"), tensor("a", "F32", "[4]", "[0,16]")),
            new byte[24]));
    // A tensor inside another, found even though a third one starts between them.
    assertProblem(
        "tensors 'big' [0, 32] and 'mid' [12, 16] overlap",
        Bytes.file(
            header(
                tensor("big", "F32", "[8]", "[0,32]"),
                tensor("small", "U8", "[0]", "[4,4]"),
                tensor("mid", "F32", "[1]", "[12,16]")),
            new byte[32]));
  }

  @Test
  void duplicateName() {
    assertProblem(
        "header is not valid JSON: duplicate key \"a\" at 1:55",
        Bytes.file(
            header(tensor("a", "F32", "[1]", "[0,4]"), tensor("a", "F32", "[1]", "[4,8]")),
            new byte[8]));
  }

  @Test
  void metadataNotAnObject() {
    assertProblem(
        "__metadata__ is not a JSON object (found array)",
        Bytes.file("{\"__metadata__\":[]}", new byte[0]));
  }

  @Test
  void metadataValueNotAString() {
    assertProblem(
        "__metadata__ value for 'step' is not a string (found number)",
        Bytes.file("{\"__metadata__\":{\"format\":\"pt\",\"step\":1200}}", new byte[0]));
    assertProblem(
        "__metadata__ value for 'cfg' is not a string (found object)",
        Bytes.file("{\"__metadata__\":{\"cfg\":{}}}", new byte[0]));
  }

  @Test
  void hostileNamesAreQuotedSafely() {
    assertProblem(
        "tensor 'a\\nb\\u0000\"c' has unknown dtype 'X'",
        Bytes.file(
            "{\"a\\nb\\u0000\\\"c\":{\"dtype\":\"X\",\"shape\":[],\"data_offsets\":[0,0]}}",
            new byte[0]));
    String longName = "n".repeat(10_000);
    assertProblem(
        "tensor '" + "n".repeat(77) + "...' has unknown dtype 'X'",
        Bytes.file(header(tensor(longName, "X", "[]", "[0,0]")), new byte[0]));
  }

  @Test
  void notARegularFile() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub.safetensors"));
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(sub));
    assertEquals(sub + ": not a regular file", e.getMessage());
    Path missing = dir.resolve("missing.safetensors");
    SafetensorsException m =
        assertThrows(SafetensorsException.class, () -> Safetensors.readAll(missing));
    assertEquals(missing + ": no such file", m.getMessage());
  }

  @Test
  void theExampleFromTheDocs() throws IOException {
    byte[] bytes = Bytes.file(header(tensor("wte", "F12", "[1]", "[0,4]")), new byte[4]);
    Path p = Files.write(dir.resolve("weights.safetensors"), bytes);
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.open(p));
    assertEquals(p + ": tensor 'wte' has unknown dtype 'F12'", e.getMessage());
    assertEquals(p, e.file());
  }

  private void assertProblem(String problem, byte[] bytes) {
    Path p;
    try {
      p = Files.write(Files.createTempFile(dir, "bad", ".safetensors"), bytes);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    SafetensorsException e = assertThrows(
        SafetensorsException.class,
        () -> Safetensors.open(p).close(),
        () -> new String(bytes, StandardCharsets.ISO_8859_1));
    assertEquals(problem, e.problem());
    assertEquals(p + ": " + problem, e.getMessage());
  }
}
