package dev.kiln.runtime.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The part of the CUDA driver API ({@code libcuda.so.1}) Kiln uses, bound with FFM. Each method
 * returns the raw {@code CUresult} or throws a {@link DeviceException} that names the error; handles
 * ({@code CUcontext}, {@code CUmodule}, {@code CUfunction}) are addresses and {@code CUdeviceptr}s
 * are longs.
 */
final class CudaDriver {
  static final String LIBRARY_PROPERTY = "kiln.cuda.library";
  static final String DEFAULT_LIBRARY = "libcuda.so.1";

  static final int CUDA_SUCCESS = 0;
  static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
  static final int CUDA_ERROR_NOT_FOUND = 500;
  static final int ATTRIBUTE_CC_MAJOR = 75;
  static final int ATTRIBUTE_CC_MINOR = 76;

  /** Initialised drivers by library location: cuInit runs once per process and library. */
  private static final Map<String, CudaDriver> LOADED = new ConcurrentHashMap<>();

  final String location;
  private final MethodHandle init;
  private final MethodHandle driverGetVersion;
  private final MethodHandle deviceGetCount;
  private final MethodHandle deviceGet;
  private final MethodHandle deviceGetName;
  private final MethodHandle deviceTotalMem;
  private final MethodHandle deviceGetAttribute;
  private final MethodHandle primaryCtxRetain;
  private final MethodHandle primaryCtxRelease;
  private final MethodHandle ctxSetCurrent;
  private final MethodHandle ctxSynchronize;
  private final MethodHandle memGetInfo;
  private final MethodHandle memAlloc;
  private final MethodHandle memFree;
  private final MethodHandle memcpyHtoD;
  private final MethodHandle memcpyDtoH;
  private final MethodHandle moduleLoadData;
  private final MethodHandle moduleGetFunction;
  private final MethodHandle moduleUnload;
  private final MethodHandle launchKernel;
  private final MethodHandle getErrorName;
  private final MethodHandle getErrorString;

  private CudaDriver(NativeLibrary lib) {
    location = lib.location();
    init = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    driverGetVersion = lib.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    deviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    deviceGetName = lib.function(
        "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    deviceTotalMem =
        lib.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    deviceGetAttribute = lib.function(
        "cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    primaryCtxRetain = lib.function(
        "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    primaryCtxRelease =
        lib.function("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    ctxSetCurrent = lib.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    ctxSynchronize = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
    memGetInfo = lib.function("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    memAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    memFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    memcpyHtoD = lib.function(
        "cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
    memcpyDtoH = lib.function(
        "cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    moduleLoadData =
        lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    moduleGetFunction = lib.function(
        "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    moduleUnload = lib.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    launchKernel = lib.function(
        "cuLaunchKernel",
        FunctionDescriptor.of(
            JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS));
    getErrorName =
        lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    getErrorString =
        lib.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  }

  /**
   * Opens and initialises the driver: {@code -Dkiln.cuda.library} if set, else {@code libcuda.so.1}.
   * Throws a {@link DeviceException} that says why when there is no usable driver.
   */
  static CudaDriver load() {
    String configured = System.getProperty(LIBRARY_PROPERTY);
    String name = configured == null || configured.isBlank() ? DEFAULT_LIBRARY : configured;
    CudaDriver loaded = LOADED.get(name);
    if (loaded != null) {
      return loaded;
    }
    NativeLibrary lib = NativeLibrary.open(List.of(name))
        .orElseThrow(() -> new DeviceException(
            configured == null || configured.isBlank()
                ? "no NVIDIA driver: " + DEFAULT_LIBRARY + " not found"
                : "no NVIDIA driver: " + name + " (-D" + LIBRARY_PROPERTY
                    + ") could not be loaded"));
    CudaDriver driver = new CudaDriver(lib);
    int rc = driver.cuInit();
    if (rc != CUDA_SUCCESS) {
      throw new DeviceException("cuInit failed: " + driver.describe(rc));
    }
    LOADED.putIfAbsent(name, driver);
    return driver;
  }

  /** Throws naming {@code call} and the error when {@code rc} is not {@code CUDA_SUCCESS}. */
  void check(int rc, String call) {
    if (rc != CUDA_SUCCESS) {
      throw new DeviceException(call + " failed: " + describe(rc));
    }
  }

  /** {@code CUDA_ERROR_INVALID_VALUE (invalid argument)}, or the number if the driver knows no name. */
  String describe(int rc) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      String name =
          (int) getErrorName.invokeExact(rc, out) == CUDA_SUCCESS ? cString(out) : "CUresult " + rc;
      String text = (int) getErrorString.invokeExact(rc, out) == CUDA_SUCCESS ? cString(out) : "";
      return text.isEmpty() ? name : name + " (" + text + ")";
    } catch (Throwable t) {
      return "CUresult " + rc;
    }
  }

  @SuppressWarnings("restricted") // the driver returns static C strings of unknown length
  private static String cString(MemorySegment pointerHolder) {
    MemorySegment p = pointerHolder.get(ADDRESS, 0);
    return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(4096).getString(0);
  }

  // The raw calls. Each returns the CUresult; out-parameters are segments the caller allocated.

  int cuInit() {
    try {
      return (int) init.invokeExact(0);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuInit", t);
    }
  }

  int cuDriverGetVersion(MemorySegment version) {
    try {
      return (int) driverGetVersion.invokeExact(version);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDriverGetVersion", t);
    }
  }

  int cuDeviceGetCount(MemorySegment count) {
    try {
      return (int) deviceGetCount.invokeExact(count);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDeviceGetCount", t);
    }
  }

  int cuDeviceGet(MemorySegment device, int ordinal) {
    try {
      return (int) deviceGet.invokeExact(device, ordinal);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDeviceGet", t);
    }
  }

  int cuDeviceGetName(MemorySegment name, int length, int device) {
    try {
      return (int) deviceGetName.invokeExact(name, length, device);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDeviceGetName", t);
    }
  }

  int cuDeviceTotalMem(MemorySegment bytes, int device) {
    try {
      return (int) deviceTotalMem.invokeExact(bytes, device);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDeviceTotalMem_v2", t);
    }
  }

  int cuDeviceGetAttribute(MemorySegment value, int attribute, int device) {
    try {
      return (int) deviceGetAttribute.invokeExact(value, attribute, device);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDeviceGetAttribute", t);
    }
  }

  int cuDevicePrimaryCtxRetain(MemorySegment context, int device) {
    try {
      return (int) primaryCtxRetain.invokeExact(context, device);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDevicePrimaryCtxRetain", t);
    }
  }

  int cuDevicePrimaryCtxRelease(int device) {
    try {
      return (int) primaryCtxRelease.invokeExact(device);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuDevicePrimaryCtxRelease_v2", t);
    }
  }

  int cuCtxSetCurrent(MemorySegment context) {
    try {
      return (int) ctxSetCurrent.invokeExact(context);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuCtxSetCurrent", t);
    }
  }

  int cuCtxSynchronize() {
    try {
      return (int) ctxSynchronize.invokeExact();
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuCtxSynchronize", t);
    }
  }

  int cuMemGetInfo(MemorySegment free, MemorySegment total) {
    try {
      return (int) memGetInfo.invokeExact(free, total);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuMemGetInfo_v2", t);
    }
  }

  int cuMemAlloc(MemorySegment pointer, long bytes) {
    try {
      return (int) memAlloc.invokeExact(pointer, bytes);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuMemAlloc_v2", t);
    }
  }

  int cuMemFree(long pointer) {
    try {
      return (int) memFree.invokeExact(pointer);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuMemFree_v2", t);
    }
  }

  int cuMemcpyHtoD(long dst, MemorySegment src, long bytes) {
    try {
      return (int) memcpyHtoD.invokeExact(dst, src, bytes);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuMemcpyHtoD_v2", t);
    }
  }

  int cuMemcpyDtoH(MemorySegment dst, long src, long bytes) {
    try {
      return (int) memcpyDtoH.invokeExact(dst, src, bytes);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuMemcpyDtoH_v2", t);
    }
  }

  int cuModuleLoadData(MemorySegment module, MemorySegment image) {
    try {
      return (int) moduleLoadData.invokeExact(module, image);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuModuleLoadData", t);
    }
  }

  int cuModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
    try {
      return (int) moduleGetFunction.invokeExact(function, module, name);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuModuleGetFunction", t);
    }
  }

  int cuModuleUnload(MemorySegment module) {
    try {
      return (int) moduleUnload.invokeExact(module);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuModuleUnload", t);
    }
  }

  /** On the default stream, no dynamic shared memory, parameters as {@code void*[]}. */
  int cuLaunchKernel(MemorySegment function, int[] grid, int[] block, MemorySegment params) {
    try {
      return (int) launchKernel.invokeExact(
          function,
          grid[0],
          grid[1],
          grid[2],
          block[0],
          block[1],
          block[2],
          0,
          MemorySegment.NULL,
          params,
          MemorySegment.NULL);
    } catch (Throwable t) {
      throw NativeLibrary.failure("cuLaunchKernel", t);
    }
  }
}
