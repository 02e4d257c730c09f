package dev.kiln.runtime.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.data.TokenFile;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.io.onnx.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the file readers: any bytes must give a result or the reader's documented error
 * ({@link KilnException} and its subclasses, with a message), never another exception, a hang or an
 * allocation beyond what the file's size justifies (the JVM's heap limit in the surefire fork turns
 * such an allocation into a failing OutOfMemoryError).
 *
 * <p>In a normal build each target replays its corpus in {@code src/test/resources/dev/kiln/runtime/
 * fuzz/ReadersFuzzTestInputs/<target>/} (found inputs and seeds). To fuzz for longer:
 * {@code JAZZER_FUZZ=1 mvn -pl runtime test -Dtest=ReadersFuzzTest#safetensors -Djazzer.max_duration=10m};
 * new crashing inputs are written into that folder, to be kept as regression cases.
 */
class ReadersFuzzTest {
  private static Path write(byte[] data, String suffix) {
    try {
      Path f = Files.createTempFile("kiln-fuzz", suffix);
      Files.write(f, data);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path f) {
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest
  void safetensors(byte[] data) {
    Path f = write(data, ".safetensors");
    try (SafetensorsFile s = Safetensors.open(f)) {
      for (String name : s.tensors().keySet()) {
        s.read(name);
      }
    } catch (KilnException e) {
      requireMessage(e);
    } finally {
      delete(f);
    }
  }

  @FuzzTest
  void onnx(byte[] data) {
    try {
      OnnxModel m = OnnxModel.read(data, "fuzz.onnx");
      m.graph().linearLayers();
    } catch (KilnException e) {
      requireMessage(e);
    }
  }

  @FuzzTest
  void tokenFile(byte[] data) {
    Path f = write(data, ".bin");
    try {
      TokenFile t = TokenFile.open(f);
      int n = (int) Math.min(t.size(), 64);
      t.read(0, new int[n], 0, n);
      t.maxId();
    } catch (KilnException e) {
      requireMessage(e);
    } finally {
      delete(f);
    }
  }

  static void requireMessage(KilnException e) {
    if (e.getMessage() == null || e.getMessage().isBlank()) {
      throw new AssertionError("an error without a message", e);
    }
  }
}
