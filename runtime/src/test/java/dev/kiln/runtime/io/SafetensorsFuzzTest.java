package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile files may load or fail, but only ever with a SafetensorsException. */
class SafetensorsFuzzTest {
  private static final String[] DTYPES = {
    "F32", "F64", "F16", "BF16", "I32", "I64", "U8", "BOOL", "U64", "U32", "I16", "F8_E5M2", "F4",
    "", "f32", "F32 "
  };
  private static final String[] DIMS = {
    "0",
    "1",
    "2",
    "3",
    "-1",
    "2147483648",
    "4611686018427387904",
    "9223372036854775807",
    "1e3",
    "1.5",
    "\"4\"",
    "null"
  };
  private static final String[] OFFSETS = {
    "0",
    "1",
    "2",
    "4",
    "8",
    "12",
    "16",
    "24",
    "-8",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "2.0"
  };

  @TempDir
  Path dir;

  @Test
  void mutatedValidFilesFailCleanly() throws IOException {
    byte[] reference = Bytes.file(SafetensorsReadTest.HEADER, SafetensorsReadTest.data());
    byte[] written = new SafetensorsWriter()
        .add("w", new Tensor.F32(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}))
        .add("d", new Tensor.F64(new int[] {2}, new double[] {7, 8}))
        .add("ids", new Tensor.I32(new int[] {3}, new int[] {1, 2, 3}))
        .metadata("step", "10")
        .toBytes();
    SplittableRandom rnd = new SplittableRandom(20240601);
    Path p = dir.resolve("fuzz.safetensors");
    for (int i = 0; i < 2500; i++) {
      byte[] b = mutate(i % 2 == 0 ? reference : written, rnd);
      check(p, b, i);
    }
  }

  @Test
  void generatedHeadersFailCleanly() throws IOException {
    SplittableRandom rnd = new SplittableRandom(77);
    Path p = dir.resolve("gen.safetensors");
    for (int i = 0; i < 2500; i++) {
      StringBuilder h = new StringBuilder("{");
      int tensors = rnd.nextInt(4);
      for (int t = 0; t < tensors; t++) {
        h.append(t > 0 ? "," : "").append("\"t").append(rnd.nextInt(10)).append("\":");
        h.append(rnd.nextBoolean() ? consistentEntry(rnd) : randomEntry(rnd));
      }
      if (rnd.nextInt(4) == 0) {
        h.append(tensors > 0 ? "," : "").append("\"__metadata__\":{\"k\":");
        h.append(rnd.nextBoolean() ? "\"v\"" : "1").append("}");
      }
      byte[] data = new byte[rnd.nextInt(40)];
      rnd.nextBytes(data);
      check(p, Bytes.file(h.append("}").toString(), data), i);
    }
  }

  /** An entry whose offsets match its dtype and shape, placed so that entries often overlap. */
  private static String consistentEntry(SplittableRandom rnd) {
    String[] dtypes = {"F32", "F64", "F16", "BF16", "I64", "U8"};
    int[] sizes = {4, 8, 2, 2, 8, 1};
    int d = rnd.nextInt(dtypes.length);
    int rank = rnd.nextInt(3);
    long count = 1;
    StringBuilder shape = new StringBuilder("[");
    for (int r = 0; r < rank; r++) {
      int dim = rnd.nextInt(4);
      count *= dim;
      shape.append(r > 0 ? "," : "").append(dim);
    }
    long begin = 4L * rnd.nextInt(6);
    return "{\"dtype\":\"" + dtypes[d] + "\",\"shape\":" + shape + "],\"data_offsets\":[" + begin
        + "," + (begin + count * sizes[d]) + "]}";
  }

  private static String randomEntry(SplittableRandom rnd) {
    StringBuilder h =
        new StringBuilder("{\"dtype\":\"").append(pick(DTYPES, rnd)).append("\",\"shape\":[");
    int rank = rnd.nextInt(4);
    for (int r = 0; r < rank; r++) {
      h.append(r > 0 ? "," : "")
          .append(rnd.nextInt(3) == 0 ? pick(DIMS, rnd) : String.valueOf(rnd.nextInt(5)));
    }
    return h.append("],\"data_offsets\":[")
        .append(pick(OFFSETS, rnd))
        .append(",")
        .append(pick(OFFSETS, rnd))
        .append("]}")
        .toString();
  }

  private static void check(Path p, byte[] bytes, int iteration) throws IOException {
    Files.write(p, bytes);
    try (SafetensorsFile f = Safetensors.open(p)) {
      for (String name : f.tensors().keySet()) {
        expectCleanFailure(() -> f.read(name));
        expectCleanFailure(() -> f.readF32(name));
        expectCleanFailure(() -> f.readF64(name));
        expectCleanFailure(() -> f.readI32(name));
      }
    } catch (SafetensorsException expected) {
      // a clean rejection
    } catch (Throwable t) {
      fail(
          "iteration " + iteration + ": " + t + " for " + Base64.getEncoder().encodeToString(bytes)
              + " = " + new String(bytes, StandardCharsets.ISO_8859_1),
          t);
    }
  }

  private static void expectCleanFailure(Runnable read) {
    try {
      read.run();
    } catch (SafetensorsException expected) {
      // wrong dtype for this read, out-of-range integers, oversized shapes
    }
  }

  private static byte[] mutate(byte[] base, SplittableRandom rnd) {
    byte[] b = base.clone();
    switch (rnd.nextInt(6)) {
      case 0 -> { // flip a few bytes anywhere
        for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
      case 2 -> { // a different header length
        long n = rnd.nextBoolean() ? rnd.nextLong() : (b[0] & 0xff) + rnd.nextInt(-16, 17);
        for (int k = 0; k < 8; k++) {
          b[k] = (byte) (n >>> (8 * k));
        }
      }
      case 3 -> { // change a digit in the header: shapes, offsets
        for (int k = 0; k < 50; k++) {
          int at = 8 + rnd.nextInt(Math.max(1, b.length - 8));
          if (at < b.length && b[at] >= '0' && b[at] <= '9') {
            b[at] = (byte) "0123456789-9".charAt(rnd.nextInt(12));
            break;
          }
        }
      }
      case 4 -> { // change a structural character
        for (int k = 0; k < 50; k++) {
          int at = 8 + rnd.nextInt(Math.max(1, b.length - 8));
          if (at < b.length && "{}[],:\"".indexOf(b[at]) >= 0) {
            b[at] = (byte) "{}[],:\" x".charAt(rnd.nextInt(9));
            break;
          }
        }
      }
      default -> { // grow the file: extra data, or junk after the header
        b = Arrays.copyOf(b, b.length + rnd.nextInt(1, 64));
      }
    }
    return b;
  }

  private static String pick(String[] options, SplittableRandom rnd) {
    return options[rnd.nextInt(options.length)];
  }
}
