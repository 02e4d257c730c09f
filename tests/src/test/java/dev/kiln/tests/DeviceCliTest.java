package dev.kiln.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.gpu.DeviceProvider;
import dev.kiln.runtime.gpu.Devices;
import dev.kiln.runtime.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device}: a model written for this test (not in the standard library) trains on OpenCL with
 * the losses it has on the CPU; a device that cannot be had is a clear error; {@code kiln devices}
 * says what each backend reaches.
 */
class DeviceCliTest {
  @TempDir
  Path dir;

  /**
   * Post-LN blocks, sinusoidal positions, ReLU, softmax-free mixing through a strided-or-banded
   * sparse mask, a separate output layer and label smoothing: a mix no stdlib model has.
   */
  private static final String MODEL = """
      model Unseen(vocab = 23, ctx = 32, d = 24, heads = 3, layers = 2, p = 0.1) {
        input tokens: int[B, T <= ctx]
        input targets: int[B, T]
        x = dropout(add_positions(embedding(tokens, vocab, d), sinusoidal = true), p)
        for i in 0 ..< layers {
          x = layernorm(x + attention(x, heads, mask = causal & (band(4) | strided(3)), name = "a{i}"))
          x = layernorm(x + linear(relu(linear(x, 2 * d, name = "f{i}")), d, name = "g{i}"))
        }
        logits = linear(x, vocab, name = "head")
        output loss = cross_entropy(logits, targets, label_smoothing = 0.1)
      }
      """;

  private List<Double> losses(Path model, String device, String out) throws IOException {
    Cli.Result r = Cli.run(
        "train",
        "--model",
        model.toString(),
        "--steps",
        "6",
        "--batch",
        "4",
        "--seq",
        "16",
        "--lr",
        "3e-3",
        "--log-every",
        "1",
        "--device",
        device,
        "--out",
        dir.resolve(out).toString());
    assertEquals(0, r.exit(), r.err());
    return Files.readAllLines(dir.resolve(out).resolve("metrics.jsonl")).stream()
        .map(l -> ((Number) ((Map<?, ?>) Json.parse(l)).get("loss")).doubleValue())
        .toList();
  }

  private static boolean openClPresent() {
    return Devices.probe().stream().anyMatch(d -> d.backend().equals("opencl") && d.available());
  }

  @Test
  void anUnseenModelTrainsOnOpenClWithTheCpuLosses() throws IOException {
    Assumptions.assumeTrue(openClPresent(), "no OpenCL device; .ci/run installs PoCL");
    Path model = dir.resolve("unseen.model");
    Files.writeString(model, MODEL);
    List<Double> cpu = losses(model, "cpu", "cpu");
    List<Double> gpu = losses(model, "opencl", "opencl");
    assertEquals(6, cpu.size());
    assertEquals(cpu.size(), gpu.size());
    for (int i = 0; i < cpu.size(); i++) {
      assertEquals(
          cpu.get(i), gpu.get(i), 1e-4 * cpu.get(i), "step " + (i + 1) + ": " + cpu + " vs " + gpu);
    }
    assertTrue(cpu.getLast() < cpu.getFirst(), "the loss falls: " + cpu);
  }

  @Test
  void aRunResumedOnOpenClEndsWithTheSameBytes() throws IOException {
    Assumptions.assumeTrue(openClPresent(), "no OpenCL device; .ci/run installs PoCL");
    Path model = dir.resolve("unseen.model");
    Files.writeString(model, MODEL);
    String[] common = {
      "--model",
      model.toString(),
      "--steps",
      "6",
      "--batch",
      "4",
      "--seq",
      "16",
      "--checkpoint-every",
      "3",
      "--device",
      "opencl"
    };
    Cli.Result whole =
        Cli.run(concat(new String[] {"train", "--out", dir.resolve("whole").toString()}, common));
    assertEquals(0, whole.exit(), whole.err());
    Cli.Result half = Cli.run(concat(
        new String[] {"train", "--out", dir.resolve("half").toString(), "--stop-at", "3"}, common));
    assertEquals(0, half.exit(), half.err());
    Cli.Result rest =
        Cli.run("train", "--resume", "--out", dir.resolve("half").toString(), "--device", "opencl");
    assertEquals(0, rest.exit(), rest.err());
    for (String f : List.of("model.safetensors", "optimizer.safetensors")) {
      byte[] a = Files.readAllBytes(dir.resolve("whole/checkpoint-0000006").resolve(f));
      byte[] b = Files.readAllBytes(dir.resolve("half/checkpoint-0000006").resolve(f));
      assertTrue(java.util.Arrays.equals(a, b), f + " differs after resuming on the device");
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void devicesListsEachBackend() {
    Cli.Result r = Cli.run("devices");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("cpu "), r.out());
    for (DeviceProvider p : Devices.providers()) {
      assertTrue(r.out().contains(p.name()), r.out());
    }
  }

  @Test
  void anUnknownOrMissingDeviceIsAClearError() {
    Cli.Result r = Cli.run("train", "--model", "gpt2-tiny", "--steps", "1", "--device", "tpu");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("unknown device 'tpu': use cpu, opencl or cuda"), r.err());
    boolean cuda =
        Devices.probe().stream().anyMatch(d -> d.backend().equals("cuda") && d.available());
    if (!cuda) {
      Cli.Result c = Cli.run("train", "--model", "gpt2-tiny", "--steps", "1", "--device", "cuda");
      assertEquals(1, c.exit());
      assertTrue(c.err().contains("device 'cuda' is not available: "), c.err());
    }
  }
}
