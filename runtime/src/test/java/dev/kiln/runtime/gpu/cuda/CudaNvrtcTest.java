package dev.kiln.runtime.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.gpu.DeviceException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NVRTC compiles the prelude and kernels to PTX. It needs no GPU, only {@code libnvrtc} (found as
 * the backend finds it, or named with {@code -Dkiln.cuda.nvrtc}); skipped where there is none.
 */
class CudaNvrtcTest {
  private static Nvrtc nvrtc;
  private static String skipReason;

  @BeforeAll
  static void load() {
    try {
      nvrtc = Nvrtc.load();
    } catch (DeviceException e) {
      skipReason = "no libnvrtc on this machine: " + e.getMessage();
    }
  }

  private static List<String> options() {
    assumeTrue(nvrtc != null, skipReason);
    int arch = nvrtc.architectures.length > 0 ? nvrtc.architectures[0] : 75;
    return List.of("--gpu-architecture=compute_" + arch, "-default-device");
  }

  @Test
  void compilesPreludeKernelsToPtx() {
    List<String> options = options();
    String ptx = nvrtc.compile(Nvrtc.program(TestKernels.VADD + TestKernels.BLOCK_SUM), options);
    assertTrue(ptx.contains(".entry vadd("), ptx);
    assertTrue(ptx.contains(".entry block_sum("), ptx);
    assertTrue(ptx.contains(".shared"), "LOCAL_MEM becomes shared memory:\n" + ptx);
    assertTrue(ptx.contains("bar.sync"), "BARRIER() becomes a barrier:\n" + ptx);
  }

  @Test
  void plainHelperFunctionsAreDeviceFunctions() {
    String ptx = nvrtc.compile(Nvrtc.program(TestKernels.GATHER), options());
    assertTrue(ptx.contains(".entry gather("), ptx);
  }

  @Test
  void syntaxErrorShowsTheLogWithKernelLineNumbers() {
    List<String> options = options();
    DeviceException e = assertThrows(
        DeviceException.class, () -> nvrtc.compile(Nvrtc.program(TestKernels.BROKEN), options));
    String m = e.getMessage();
    assertTrue(m.startsWith("CUDA kernel build failed (NVRTC_ERROR_COMPILATION"), m);
    // #line after the prelude: the log points at the kernel's own line 2.
    assertTrue(m.contains("kernel.cu(2): error"), m);
  }

  @Test
  void architectureForNewerAndOlderDevices() {
    assumeTrue(nvrtc != null, skipReason);
    assumeTrue(nvrtc.architectures.length > 0, "this NVRTC does not list its architectures");
    int oldest = nvrtc.architectures[0];
    int newest = nvrtc.architectures[nvrtc.architectures.length - 1];
    assertEquals(oldest, nvrtc.architectureFor(oldest));
    assertEquals(newest, nvrtc.architectureFor(newest + 50));
    assertEquals(-1, nvrtc.architectureFor(oldest - 1));
  }

  @Test
  void configuredNvrtcThatIsMissing(@TempDir Path dir) {
    String missing = dir.resolve("libnvrtc.so").toString();
    String before = System.getProperty(Nvrtc.LIBRARY_PROPERTY);
    System.setProperty(Nvrtc.LIBRARY_PROPERTY, missing);
    try {
      DeviceException e = assertThrows(DeviceException.class, Nvrtc::load);
      assertEquals(
          "NVRTC not found (looked for "
              + missing
              + "): install the CUDA toolkit's libnvrtc, or point -Dkiln.cuda.nvrtc at it",
          e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(Nvrtc.LIBRARY_PROPERTY);
      } else {
        System.setProperty(Nvrtc.LIBRARY_PROPERTY, before);
      }
    }
  }
}
