package dev.kiln.runtime.gpu.opencl;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import dev.kiln.runtime.gpu.DeviceProvider;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL backend: every device of every platform the ICD loader ({@code libOpenCL.so.1}) knows,
 * numbered in platform order. The system property {@code kiln.opencl.library} names another loader
 * (a name or a path); it is read on each call.
 */
public final class OpenClProvider implements DeviceProvider {
  static final String BACKEND = "opencl";

  public OpenClProvider() {}

  @Override
  public String name() {
    return BACKEND;
  }

  @Override
  public List<DeviceInfo> probe() {
    try {
      OpenCl cl = OpenCl.load();
      List<Found> found = enumerate(cl);
      if (found.isEmpty()) {
        return List.of(unavailable(noDevice(cl)));
      }
      List<DeviceInfo> out = new ArrayList<>();
      for (Found f : found) {
        out.add(describe(cl, f));
      }
      return List.copyOf(out);
    } catch (RuntimeException e) {
      return List.of(unavailable(e.getMessage()));
    }
  }

  @Override
  public Device open(int index) {
    OpenCl cl = OpenCl.load();
    List<Found> found = enumerate(cl);
    if (found.isEmpty()) {
      throw new DeviceException(noDevice(cl));
    }
    if (index < 0 || index >= found.size()) {
      throw new DeviceException("no OpenCL device " + index + ": there are " + found.size()
          + " (0 to " + (found.size() - 1) + "; see ./kiln devices)");
    }
    Found f = found.get(index);
    return new OpenClDevice(cl, f.platform(), f.device(), ProgramCache.defaultDir());
  }

  /** One device with its platform and its index in the flat list. */
  private record Found(int index, MemorySegment platform, MemorySegment device) {}

  private static List<Found> enumerate(OpenCl cl) {
    List<Found> found = new ArrayList<>();
    for (MemorySegment platform : cl.platforms()) {
      for (MemorySegment device : cl.devices(platform)) {
        found.add(new Found(found.size(), platform, device));
      }
    }
    return found;
  }

  private static String noDevice(OpenCl cl) {
    MemorySegment[] platforms = cl.platforms();
    if (platforms.length == 0) {
      return "no OpenCL platform: the ICD loader found no driver; install one (Debian's"
          + " pocl-opencl-icd for the CPU, or the NVIDIA driver) so that /etc/OpenCL/vendors lists"
          + " it";
    }
    List<String> names = new ArrayList<>();
    for (MemorySegment p : platforms) {
      names.add(cl.platformString(p, OpenCl.CL_PLATFORM_NAME));
    }
    return "no OpenCL device on platform " + String.join(", ", names);
  }

  private static DeviceInfo describe(OpenCl cl, Found f) {
    try {
      String name = cl.deviceString(f.device(), OpenCl.CL_DEVICE_NAME);
      boolean available = cl.deviceInt(f.device(), OpenCl.CL_DEVICE_AVAILABLE) != 0;
      String detail = cl.platformString(f.platform(), OpenCl.CL_PLATFORM_NAME)
          + ", "
          + type(cl.deviceLong(f.device(), OpenCl.CL_DEVICE_TYPE))
          + ", "
          + OpenClDevice.size(cl.deviceLong(f.device(), OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE))
          + ", "
          + version(cl.deviceString(f.device(), OpenCl.CL_DEVICE_VERSION))
          + ", driver "
          + cl.deviceString(f.device(), OpenCl.CL_DRIVER_VERSION)
          + (available ? "" : " (the driver reports it unavailable)");
      return new DeviceInfo(BACKEND, f.index(), name, available, detail);
    } catch (RuntimeException e) {
      return new DeviceInfo(
          BACKEND, f.index(), "OpenCL device " + f.index(), false, e.getMessage());
    }
  }

  private static DeviceInfo unavailable(String why) {
    return new DeviceInfo(BACKEND, 0, "no OpenCL device", false, why);
  }

  /** "OpenCL 3.0" from a device version such as "OpenCL 3.0 PoCL HSTR: pthread-x86_64...". */
  private static String version(String deviceVersion) {
    String[] words = deviceVersion.split(" ");
    return words.length >= 2 ? words[0] + " " + words[1] : deviceVersion;
  }

  private static String type(long bits) {
    List<String> kinds = new ArrayList<>();
    if ((bits & 4) != 0) {
      kinds.add("GPU");
    }
    if ((bits & 2) != 0) {
      kinds.add("CPU");
    }
    if ((bits & 8) != 0) {
      kinds.add("accelerator");
    }
    if ((bits & 16) != 0) {
      kinds.add("custom");
    }
    return kinds.isEmpty() ? "device" : String.join("+", kinds);
  }
}
