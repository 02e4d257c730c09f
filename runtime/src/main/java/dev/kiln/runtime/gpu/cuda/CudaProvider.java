package dev.kiln.runtime.gpu.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import dev.kiln.runtime.gpu.DeviceProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code cuda} backend: NVIDIA GPUs through the driver API ({@code libcuda.so.1}, from the
 * NVIDIA driver) with kernels compiled by NVRTC ({@code libnvrtc}, from the CUDA toolkit). Both are
 * found at run time; {@code -Dkiln.cuda.library} and {@code -Dkiln.cuda.nvrtc} name them explicitly.
 */
public final class CudaProvider implements DeviceProvider {
  /** What {@link #probe()} and {@link #open(int)} know about one GPU. */
  record DeviceFacts(
      int device,
      String name,
      long memoryBytes,
      int capability,
      int architecture,
      int driverVersion,
      String unusable) {}

  /** A driver and NVRTC that work together, and the number of GPUs the driver sees. */
  private record Environment(CudaDriver cu, Nvrtc nvrtc, int driverVersion, int count) {}

  public CudaProvider() {}

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public List<DeviceInfo> probe() {
    try {
      Environment env = environment();
      List<DeviceInfo> out = new ArrayList<>();
      for (int i = 0; i < env.count(); i++) {
        DeviceFacts f = facts(env, i);
        String detail = f.unusable() != null
            ? f.unusable()
            : CudaDevice.size(f.memoryBytes())
                + ", compute capability "
                + f.capability() / 10
                + "."
                + f.capability() % 10
                + ", driver for CUDA "
                + CudaDevice.driverVersionText(f.driverVersion())
                + ", NVRTC "
                + env.nvrtc().version();
        out.add(new DeviceInfo(name(), i, f.name(), f.unusable() == null, detail));
      }
      return out;
    } catch (RuntimeException | LinkageError e) {
      return List.of(new DeviceInfo(name(), 0, "none", false, e.getMessage()));
    }
  }

  @Override
  public Device open(int index) {
    Environment env = environment();
    if (index < 0 || index >= env.count()) {
      throw new DeviceException(
          "no CUDA device #" + index + ": the driver sees " + env.count() + " device(s)");
    }
    DeviceFacts f = facts(env, index);
    if (f.unusable() != null) {
      throw new DeviceException("CUDA device #" + index + " (" + f.name() + "): " + f.unusable());
    }
    return new CudaDevice(env.cu(), env.nvrtc(), f, PtxCache.fromSystem());
  }

  /** Loads and checks driver and NVRTC, or throws saying which part is missing or too old. */
  private static Environment environment() {
    CudaDriver cu = CudaDriver.load();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment v = arena.allocate(JAVA_INT);
      cu.check(cu.cuDriverGetVersion(v), "cuDriverGetVersion");
      int driverVersion = v.get(JAVA_INT, 0);
      cu.check(cu.cuDeviceGetCount(v), "cuDeviceGetCount");
      int count = v.get(JAVA_INT, 0);
      if (count == 0) {
        throw new DeviceException("no CUDA device: the NVIDIA driver (CUDA "
            + CudaDevice.driverVersionText(driverVersion)
            + ") sees no GPU");
      }
      Nvrtc nvrtc = Nvrtc.load();
      // PTX carries the ISA version of the NVRTC that wrote it; only a driver at least that new
      // can JIT it, so the pair is checked here rather than failing at the first build.
      int needed = nvrtc.major * 1000 + nvrtc.minor * 10;
      if (driverVersion < needed) {
        throw new DeviceException("the NVIDIA driver is too old: it supports CUDA "
            + CudaDevice.driverVersionText(driverVersion)
            + ", but PTX from NVRTC "
            + nvrtc.version()
            + " ("
            + nvrtc.location
            + ") needs a driver for CUDA "
            + nvrtc.version()
            + " or newer; update the driver, or point -D"
            + Nvrtc.LIBRARY_PROPERTY
            + " at an NVRTC no newer than "
            + CudaDevice.driverVersionText(driverVersion));
      }
      return new Environment(cu, nvrtc, driverVersion, count);
    }
  }

  private static DeviceFacts facts(Environment env, int ordinal) {
    CudaDriver cu = env.cu();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment i = arena.allocate(JAVA_INT);
      cu.check(cu.cuDeviceGet(i, ordinal), "cuDeviceGet");
      int device = i.get(JAVA_INT, 0);
      MemorySegment name = arena.allocate(256);
      cu.check(cu.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
      MemorySegment bytes = arena.allocate(JAVA_LONG);
      cu.check(cu.cuDeviceTotalMem(bytes, device), "cuDeviceTotalMem_v2");
      cu.check(
          cu.cuDeviceGetAttribute(i, CudaDriver.ATTRIBUTE_CC_MAJOR, device),
          "cuDeviceGetAttribute");
      int major = i.get(JAVA_INT, 0);
      cu.check(
          cu.cuDeviceGetAttribute(i, CudaDriver.ATTRIBUTE_CC_MINOR, device),
          "cuDeviceGetAttribute");
      int capability = major * 10 + i.get(JAVA_INT, 0);
      int architecture = env.nvrtc().architectureFor(capability);
      String unusable = architecture < 0
          ? "compute capability "
              + major
              + "."
              + capability % 10
              + " is older than anything NVRTC "
              + env.nvrtc().version()
              + " targets (oldest: compute_"
              + env.nvrtc().architectures[0]
              + ")"
          : null;
      return new DeviceFacts(
          device,
          name.getString(0),
          bytes.get(JAVA_LONG, 0),
          capability,
          architecture,
          env.driverVersion(),
          unusable);
    }
  }
}
