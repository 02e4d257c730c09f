package dev.kiln.runtime.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import dev.kiln.runtime.gpu.DeviceProvider.DeviceInfo;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class OpenClProviderTest {
  /** The first usable OpenCL device, or the test is skipped saying why there is none. */
  static OpenClDevice openOrSkip() {
    OpenClProvider provider = new OpenClProvider();
    List<DeviceInfo> found = provider.probe();
    DeviceInfo usable = found.stream().filter(DeviceInfo::available).findFirst().orElse(null);
    Assumptions.assumeTrue(
        usable != null, () -> "no OpenCL device, skipping: " + found.getFirst().detail());
    return (OpenClDevice) provider.open(usable.index());
  }

  @Test
  void probeFindsADeviceWithANameAndMemory() {
    OpenClProvider provider = new OpenClProvider();
    assertEquals("opencl", provider.name());
    List<DeviceInfo> found = provider.probe();
    assertFalse(found.isEmpty());
    Assumptions.assumeTrue(
        found.getFirst().available(),
        () -> "no OpenCL device: " + found.getFirst().detail());
    for (int i = 0; i < found.size(); i++) {
      DeviceInfo info = found.get(i);
      assertEquals("opencl", info.backend());
      assertEquals(i, info.index());
      assertFalse(info.name().isBlank());
      assertTrue(info.detail().contains("OpenCL"), info.detail());
      assertTrue(info.detail().contains("GiB") || info.detail().contains("MiB"), info.detail());
    }
    try (Device device = provider.open(0)) {
      assertEquals("opencl", device.backend());
      assertEquals(found.getFirst().name(), device.name());
      assertTrue(device.memoryBytes() > 0);
    }
  }

  @Test
  void openingADeviceThatIsNotThereSaysHowManyThereAre() {
    OpenClProvider provider = new OpenClProvider();
    Assumptions.assumeTrue(provider.probe().getFirst().available(), "no OpenCL device");
    DeviceException e = assertThrows(DeviceException.class, () -> provider.open(1000));
    assertTrue(e.getMessage().contains("no OpenCL device 1000"), e.getMessage());
  }

  @Test
  void missingLibraryIsReportedNotThrown() {
    String previous = System.getProperty(OpenCl.LIBRARY_PROPERTY);
    System.setProperty(OpenCl.LIBRARY_PROPERTY, "/nonexistent/kiln-test/libOpenCL.so.1");
    try {
      OpenClProvider provider = new OpenClProvider();
      List<DeviceInfo> found = provider.probe();
      assertEquals(1, found.size());
      assertFalse(found.getFirst().available());
      String why = found.getFirst().detail();
      assertTrue(why.contains("/nonexistent/kiln-test/libOpenCL.so.1 not found"), why);
      assertTrue(why.contains("install an OpenCL driver"), why);
      DeviceException e = assertThrows(DeviceException.class, () -> provider.open(0));
      assertEquals(why, e.getMessage());
    } finally {
      if (previous == null) {
        System.clearProperty(OpenCl.LIBRARY_PROPERTY);
      } else {
        System.setProperty(OpenCl.LIBRARY_PROPERTY, previous);
      }
    }
  }

  @Test
  void errorCodesAreNamedWithAHint() {
    assertEquals("CL_INVALID_KERNEL_NAME", ClError.name(-46));
    assertEquals("CL_ERROR(-9999)", ClError.name(-9999));
    String oom = ClError.failure("clEnqueueNDRangeKernel(k)", -4).getMessage();
    assertTrue(
        oom.startsWith("out of device memory: clEnqueueNDRangeKernel(k) failed with"
            + " CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)"),
        oom);
    String size = ClError.failure("clSetKernelArg", -51).getMessage();
    assertTrue(size.contains("CL_INVALID_ARG_SIZE (-51): an argument does not match"), size);
  }
}
