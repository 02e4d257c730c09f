package dev.kiln.runtime.gpu.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.Device.Buffer;
import dev.kiln.runtime.gpu.DeviceProvider.DeviceInfo;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CudaDeviceContract} against {@code fake_cuda.c}, a stand-in for {@code libcuda.so.1} and
 * {@code libnvrtc} built with the machine's C compiler: the whole Java side (bindings, argument
 * passing, per-thread contexts, freeing on close) runs where no NVIDIA GPU is. Skipped without
 * {@code cc}.
 */
class CudaFakeDriverTest extends CudaDeviceContract {
  private Path library;

  @Override
  String skipReason() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "cc"))) {
        return null;
      }
    }
    return "no C compiler (cc) on the PATH to build the fake CUDA driver";
  }

  @Override
  Device open() {
    try {
      library = build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return withFake(() -> new CudaProvider().open(0));
  }

  private Path build() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("kiln-fake-cuda");
    Path src = dir.resolve("fake_cuda.c");
    try (InputStream in = getClass().getResourceAsStream("fake_cuda.c")) {
      Files.write(src, in.readAllBytes());
    }
    Path lib = dir.resolve("libfakecuda.so");
    Process p = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", lib.toString(), src.toString())
        .redirectErrorStream(true)
        .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, log);
    return lib;
  }

  @AfterAll
  void deleteLibrary() throws IOException {
    // The library stays mapped while loaded; on Linux removing its files is still fine.
    if (library != null) {
      Files.deleteIfExists(library);
      Files.deleteIfExists(library.resolveSibling("fake_cuda.c"));
      Files.deleteIfExists(library.getParent());
    }
  }

  private interface Action<T> {
    T run();
  }

  /** Runs {@code action} with both libraries pointed at the fake. */
  private <T> T withFake(Action<T> action) {
    String cuda = System.getProperty(CudaDriver.LIBRARY_PROPERTY);
    String nvrtc = System.getProperty(Nvrtc.LIBRARY_PROPERTY);
    System.setProperty(CudaDriver.LIBRARY_PROPERTY, library.toString());
    System.setProperty(Nvrtc.LIBRARY_PROPERTY, library.toString());
    try {
      return action.run();
    } finally {
      restore(CudaDriver.LIBRARY_PROPERTY, cuda);
      restore(Nvrtc.LIBRARY_PROPERTY, nvrtc);
    }
  }

  /** Allocations*10000 + modules*100 + context references the fake still holds. */
  private int live() {
    MethodHandle h = NativeLibrary.open(List.of(library.toString()))
        .orElseThrow()
        .function("fake_live", FunctionDescriptor.of(JAVA_INT));
    try {
      return (int) h.invokeExact();
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Test
  void probeDescribesTheDevice() {
    List<DeviceInfo> infos = withFake(() -> new CudaProvider().probe());
    assertEquals(
        List.of(new DeviceInfo(
            "cuda",
            0,
            "Kiln Fake GPU",
            true,
            "1.0 GiB, compute capability 8.6, driver for CUDA 13.0, NVRTC 13.0")),
        infos);
  }

  @Test
  void closeFreesBuffersModulesAndContext() {
    int before = live();
    Device second = withFake(() -> new CudaProvider().open(0));
    Buffer kept = second.allocate(64);
    second.allocate(128).close();
    second.build(TestKernels.VADD, "").kernel("vadd");
    assertNotEquals(before, live());
    second.close();
    assertEquals(before, live(), "everything the second device took is given back");
    kept.close(); // after its device: a no-op
    second.close();
  }
}
