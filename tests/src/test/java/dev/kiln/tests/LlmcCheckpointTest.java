package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.LlmcCheckpoint;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.stdlib.TinyGpt2Model;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT-2 weights through llm.c's checkpoint format: byte layout, round trip, the CLI, bad files. */
class LlmcCheckpointTest {
  @TempDir
  Path dir;

  @Test
  void layoutIsLlmcs() throws IOException {
    TinyGpt2Model m = new TinyGpt2Model(); // vocab 61, ctx 32, d 32, 2 layers
    m.initialize(4);
    Path file = dir.resolve("gpt2.bin");
    LlmcCheckpoint.write(file, m.parameters(), 4);
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int c = 32;
    int vp = 128; // 61 rounded up to a multiple of 128
    assertEquals(20240326, b.getInt(0));
    assertEquals(3, b.getInt(4));
    assertArrayEquals(new int[] {32, 61, 2, 4, 32, vp}, new int[] {
      b.getInt(8), b.getInt(12), b.getInt(16), b.getInt(20), b.getInt(24), b.getInt(28)
    });
    long params = (long) vp * c + 32L * c + 2L * 12 * c * c + 2L * 13 * c + 2L * c;
    assertEquals(1024 + 4 * params, Files.size(file));
    // qkvw of layer 1, row r (an output), column k (an input) = Kiln's c_attn.weight[k][r].
    long qkvw = 256 + (long) vp * c + 32L * c + 4L * c; // floats: header, wte, wpe, ln1w, ln1b
    int r = 70;
    int k = 5;
    float got = b.getFloat((int) (4 * (qkvw + 3L * c * c + (long) r * c + k)));
    assertEquals(
        ((Tensor.F32) m.parameters().get("h.1.attn.c_attn.weight")).data()[k * 3 * c + r], got);
    // Padded vocabulary rows are zero.
    assertEquals(0f, b.getFloat(4 * (256 + 61 * c + 3)));
  }

  @Test
  void roundTripGivesTheSameModel() {
    TinyGpt2Model m = new TinyGpt2Model();
    m.initialize(9);
    Path file = dir.resolve("gpt2.bin");
    LlmcCheckpoint.write(file, m.parameters(), 4);
    TinyGpt2Model back = new TinyGpt2Model();
    Pretrained.set(back, LlmcCheckpoint.read(file), file.toString());
    for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
      assertArrayEquals(
          ((Tensor.F32) e.getValue()).data(),
          ((Tensor.F32) back.parameters().get(e.getKey())).data(),
          e.getKey());
    }
  }

  @Test
  void cliConvertsBothWays() {
    Path bin = dir.resolve("tiny.bin");
    Cli.Result w =
        Cli.run("convert", "--model", "gpt2-tiny", "--seed", "3", "--out", bin.toString());
    assertEquals(0, w.exit(), w.err());
    Path st = dir.resolve("tiny.safetensors");
    Cli.Result r = Cli.run(
        "convert", "--model", "gpt2-tiny", "--weights", bin.toString(), "--out", st.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("imported 28 parameters from llm.c file"), r.err());
    Path seeded = dir.resolve("seeded.safetensors");
    assertEquals(
        0,
        Cli.run("convert", "--model", "gpt2-tiny", "--seed", "3", "--out", seeded.toString())
            .exit());
    Map<String, Tensor> a = Safetensors.readAll(st);
    Map<String, Tensor> b = Safetensors.readAll(seeded);
    assertEquals(b.keySet(), a.keySet());
    for (String name : a.keySet()) {
      assertArrayEquals(((Tensor.F32) b.get(name)).data(), ((Tensor.F32) a.get(name)).data(), name);
    }
  }

  @Test
  void truncatedFileIsAClearError() throws IOException {
    TinyGpt2Model m = new TinyGpt2Model();
    m.initialize(1);
    Path file = dir.resolve("gpt2.bin");
    LlmcCheckpoint.write(file, m.parameters(), 4);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    KilnException e = assertThrows(KilnException.class, () -> LlmcCheckpoint.read(file));
    assertTrue(e.getMessage().contains("but its header"), e.getMessage());
  }
}
