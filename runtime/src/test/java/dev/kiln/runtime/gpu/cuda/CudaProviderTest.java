package dev.kiln.runtime.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.kiln.runtime.gpu.DeviceException;
import dev.kiln.runtime.gpu.DeviceProvider.DeviceInfo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CUDA backend says on machines where it cannot run: never a crash, always a reason. */
class CudaProviderTest {
  private static boolean driverPresent() {
    return NativeLibrary.open(List.of(CudaDriver.DEFAULT_LIBRARY)).isPresent();
  }

  @Test
  void probeWithoutDriverIsOneUnavailableEntry() {
    assumeFalse(driverPresent(), "this machine has libcuda.so.1; CudaDeviceGpuTest covers it");
    CudaProvider cuda = new CudaProvider();
    assertEquals("cuda", cuda.name());
    List<DeviceInfo> infos = cuda.probe();
    assertEquals(1, infos.size());
    DeviceInfo info = infos.getFirst();
    assertFalse(info.available());
    assertEquals("cuda", info.backend());
    assertEquals("no NVIDIA driver: libcuda.so.1 not found", info.detail());
  }

  @Test
  void openWithoutDriverThrowsDeviceException() {
    assumeFalse(driverPresent(), "this machine has libcuda.so.1; CudaDeviceGpuTest covers it");
    DeviceException e = assertThrows(DeviceException.class, () -> new CudaProvider().open(0));
    assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
  }

  @Test
  void configuredLibraryThatIsMissing(@TempDir Path dir) {
    String missing = dir.resolve("libcuda.so.1").toString();
    String before = System.getProperty(CudaDriver.LIBRARY_PROPERTY);
    System.setProperty(CudaDriver.LIBRARY_PROPERTY, missing);
    try {
      List<DeviceInfo> infos = new CudaProvider().probe();
      assertEquals(1, infos.size());
      assertFalse(infos.getFirst().available());
      assertEquals(
          "no NVIDIA driver: " + missing + " (-Dkiln.cuda.library) could not be loaded",
          infos.getFirst().detail());
      DeviceException e = assertThrows(DeviceException.class, () -> new CudaProvider().open(0));
      assertTrue(e.getMessage().contains(missing), e.getMessage());
    } finally {
      if (before == null) {
        System.clearProperty(CudaDriver.LIBRARY_PROPERTY);
      } else {
        System.setProperty(CudaDriver.LIBRARY_PROPERTY, before);
      }
    }
  }

  @Test
  void configuredLibraryThatIsNotADriver() {
    // libc loads fine but has no cuInit: a clear message, not a linkage error.
    String before = System.getProperty(CudaDriver.LIBRARY_PROPERTY);
    System.setProperty(CudaDriver.LIBRARY_PROPERTY, "libc.so.6");
    try {
      List<DeviceInfo> infos = new CudaProvider().probe();
      assertEquals(1, infos.size());
      assertFalse(infos.getFirst().available());
      assertEquals(
          "libc.so.6 has no function cuInit (not that library, or too old a version)",
          infos.getFirst().detail());
    } finally {
      if (before == null) {
        System.clearProperty(CudaDriver.LIBRARY_PROPERTY);
      } else {
        System.setProperty(CudaDriver.LIBRARY_PROPERTY, before);
      }
    }
  }

  @Test
  void optionsJoinSeparatedDefines() {
    assertEquals(
        List.of("-DN=4", "-DM", "--use_fast_math", "-Iinc"),
        CudaDevice.userOptions("  -D N=4 -DM --use_fast_math -I inc "));
    assertEquals(
        List.of("--use_fast_math", "-DK=2"),
        CudaDevice.userOptions("-cl-fast-relaxed-math -cl-std=CL1.2 -cl-mad-enable -D K=2"));
    assertEquals(List.of(), CudaDevice.userOptions(null));
    assertEquals(List.of(), CudaDevice.userOptions(" "));
  }

  @Test
  void sizesAndVersionsReadWell() {
    assertEquals("512 B", CudaDevice.size(512));
    assertEquals("1.5 KiB", CudaDevice.size(1536));
    assertEquals("80.0 GiB", CudaDevice.size(80L << 30));
    assertEquals("12.4", CudaDevice.driverVersionText(12040));
    assertEquals("13.0", CudaDevice.driverVersionText(13000));
  }
}
