package dev.kiln.runtime.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Downcalls into the OpenCL ICD loader ({@code libOpenCL.so.1}), one method per function Kiln uses,
 * named as in C. Handles ({@code cl_context}, {@code cl_mem}, ...) are zero-length segments holding
 * the address; {@code size_t} is a {@code long} (64-bit hosts only). Methods return the raw
 * {@code cl_int} status except the {@code clCreate*} ones, which check it and return the handle.
 */
final class OpenCl {
  static final String DEFAULT_LIBRARY = "libOpenCL.so.1";
  static final String LIBRARY_PROPERTY = "kiln.opencl.library";

  static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
  static final int CL_PLATFORM_VERSION = 0x0901;
  static final int CL_PLATFORM_NAME = 0x0902;
  static final int CL_DEVICE_TYPE = 0x1000;
  static final int CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
  static final int CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
  static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
  static final int CL_DEVICE_AVAILABLE = 0x1027;
  static final int CL_DEVICE_NAME = 0x102B;
  static final int CL_DRIVER_VERSION = 0x102D;
  static final int CL_DEVICE_VERSION = 0x102F;
  static final long CL_CONTEXT_PLATFORM = 0x1084;
  static final long CL_MEM_READ_WRITE = 1;
  static final int CL_PROGRAM_BINARY_SIZES = 0x1165;
  static final int CL_PROGRAM_BINARIES = 0x1166;
  static final int CL_PROGRAM_BUILD_LOG = 0x1183;
  static final int CL_KERNEL_NUM_ARGS = 0x1191;
  static final int CL_TRUE = 1;

  /** Libraries already opened, by name; a failed load is not remembered, so it is retried. */
  private static final ConcurrentMap<String, OpenCl> LOADED = new ConcurrentHashMap<>();

  private final MethodHandle getPlatformIDs;
  private final MethodHandle getPlatformInfo;
  private final MethodHandle getDeviceIDs;
  private final MethodHandle getDeviceInfo;
  private final MethodHandle createContext;
  private final MethodHandle createCommandQueue;
  private final MethodHandle createBuffer;
  private final MethodHandle enqueueWriteBuffer;
  private final MethodHandle enqueueReadBuffer;
  private final MethodHandle createProgramWithSource;
  private final MethodHandle createProgramWithBinary;
  private final MethodHandle buildProgram;
  private final MethodHandle getProgramBuildInfo;
  private final MethodHandle getProgramInfo;
  private final MethodHandle createKernel;
  private final MethodHandle getKernelInfo;
  private final MethodHandle setKernelArg;
  private final MethodHandle enqueueNDRangeKernel;
  private final MethodHandle finish;
  private final MethodHandle releaseMemObject;
  private final MethodHandle releaseKernel;
  private final MethodHandle releaseProgram;
  private final MethodHandle releaseCommandQueue;
  private final MethodHandle releaseContext;

  /**
   * The library named by the system property {@code kiln.opencl.library} (read now, so tests can
   * change it), by default {@code libOpenCL.so.1}; a name with a slash is a path.
   */
  static OpenCl load() {
    String library = System.getProperty(LIBRARY_PROPERTY, DEFAULT_LIBRARY);
    return LOADED.computeIfAbsent(library, OpenCl::new);
  }

  // Binding native code is what this class is for; the JVM runs with --enable-native-access.
  @SuppressWarnings("restricted")
  private OpenCl(String library) {
    if (ADDRESS.byteSize() != 8) {
      throw new DeviceException("the OpenCL backend needs a 64-bit JVM");
    }
    SymbolLookup lib;
    try {
      // The global arena keeps the loader loaded for the life of the JVM: ICD drivers are not
      // written to be unloaded while their objects may still exist.
      lib = library.contains("/")
          ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
          : SymbolLookup.libraryLookup(library, Arena.global());
    } catch (IllegalArgumentException e) {
      String by = library.equals(DEFAULT_LIBRARY) ? "" : " (named by -D" + LIBRARY_PROPERTY + ")";
      throw new DeviceException(library
          + " not found"
          + by
          + ": install an OpenCL driver, e.g. Debian's ocl-icd-libopencl1 with pocl-opencl-icd for"
          + " the CPU, or the NVIDIA driver");
    } catch (IllegalCallerException e) {
      throw new DeviceException(
          "native access is disabled: run java with --enable-native-access=ALL-UNNAMED", e);
    }
    Binder b = new Binder(lib, library);
    // The C signatures, result first: P a pointer or handle, I a cl_int or cl_uint, L a size_t
    // or a 64-bit bitfield.
    MemoryLayout p = ADDRESS;
    MemoryLayout i = JAVA_INT;
    MemoryLayout l = JAVA_LONG;
    getPlatformIDs = b.bind("clGetPlatformIDs", i, i, p, p);
    getPlatformInfo = b.bind("clGetPlatformInfo", i, p, i, l, p, p);
    getDeviceIDs = b.bind("clGetDeviceIDs", i, p, l, i, p, p);
    getDeviceInfo = b.bind("clGetDeviceInfo", i, p, i, l, p, p);
    createContext = b.bind("clCreateContext", p, p, i, p, p, p, p);
    createCommandQueue = b.bind("clCreateCommandQueue", p, p, p, l, p);
    createBuffer = b.bind("clCreateBuffer", p, p, l, l, p, p);
    enqueueWriteBuffer = b.bind("clEnqueueWriteBuffer", i, p, p, i, l, l, p, i, p, p);
    enqueueReadBuffer = b.bind("clEnqueueReadBuffer", i, p, p, i, l, l, p, i, p, p);
    createProgramWithSource = b.bind("clCreateProgramWithSource", p, p, i, p, p, p);
    createProgramWithBinary = b.bind("clCreateProgramWithBinary", p, p, i, p, p, p, p, p);
    buildProgram = b.bind("clBuildProgram", i, p, i, p, p, p, p);
    getProgramBuildInfo = b.bind("clGetProgramBuildInfo", i, p, p, i, l, p, p);
    getProgramInfo = b.bind("clGetProgramInfo", i, p, i, l, p, p);
    createKernel = b.bind("clCreateKernel", p, p, p, p);
    getKernelInfo = b.bind("clGetKernelInfo", i, p, i, l, p, p);
    setKernelArg = b.bind("clSetKernelArg", i, p, i, l, p);
    enqueueNDRangeKernel = b.bind("clEnqueueNDRangeKernel", i, p, p, i, p, p, p, i, p, p);
    finish = b.bind("clFinish", i, p);
    releaseMemObject = b.bind("clReleaseMemObject", i, p);
    releaseKernel = b.bind("clReleaseKernel", i, p);
    releaseProgram = b.bind("clReleaseProgram", i, p);
    releaseCommandQueue = b.bind("clReleaseCommandQueue", i, p);
    releaseContext = b.bind("clReleaseContext", i, p);
  }

  private record Binder(SymbolLookup lib, String library) {
    @SuppressWarnings("restricted")
    MethodHandle bind(String name, MemoryLayout result, MemoryLayout... args) {
      MemorySegment symbol = lib.find(name)
          .orElseThrow(() -> new DeviceException(
              library + " has no " + name + ": it is not an OpenCL 1.2 library"));
      return Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(result, args));
    }
  }

  // ---- platforms and devices

  int clGetPlatformIDs(int n, MemorySegment platforms, MemorySegment count) {
    try {
      return (int) getPlatformIDs.invokeExact(n, platforms, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetPlatformInfo(MemorySegment p, int param, long size, MemorySegment v, MemorySegment ret) {
    try {
      return (int) getPlatformInfo.invokeExact(p, param, size, v, ret);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetDeviceIDs(
      MemorySegment p, long type, int n, MemorySegment devices, MemorySegment count) {
    try {
      return (int) getDeviceIDs.invokeExact(p, type, n, devices, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetDeviceInfo(MemorySegment d, int param, long size, MemorySegment v, MemorySegment ret) {
    try {
      return (int) getDeviceInfo.invokeExact(d, param, size, v, ret);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- context, queue, memory

  MemorySegment clCreateContext(MemorySegment platform, MemorySegment device) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment props = a.allocateFrom(JAVA_LONG, CL_CONTEXT_PLATFORM, platform.address(), 0L);
      MemorySegment devices = a.allocateFrom(ADDRESS, device);
      MemorySegment err = a.allocate(JAVA_INT);
      MemorySegment context = (MemorySegment)
          createContext.invokeExact(props, 1, devices, MemorySegment.NULL, MemorySegment.NULL, err);
      ClError.check(err.get(JAVA_INT, 0), "clCreateContext");
      return context;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment clCreateCommandQueue(MemorySegment context, MemorySegment device) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(JAVA_INT);
      MemorySegment queue =
          (MemorySegment) createCommandQueue.invokeExact(context, device, 0L, err);
      ClError.check(err.get(JAVA_INT, 0), "clCreateCommandQueue");
      return queue;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A read-write buffer; {@code call} names the request in an error message. */
  MemorySegment clCreateBuffer(MemorySegment context, long bytes, String call) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(JAVA_INT);
      MemorySegment mem = (MemorySegment)
          createBuffer.invokeExact(context, CL_MEM_READ_WRITE, bytes, MemorySegment.NULL, err);
      ClError.check(err.get(JAVA_INT, 0), call);
      return mem;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A blocking write of {@code size} bytes at {@code offset} from native memory {@code src}. */
  int clEnqueueWriteBuffer(
      MemorySegment queue, MemorySegment mem, long offset, long size, MemorySegment src) {
    try {
      return (int) enqueueWriteBuffer.invokeExact(
          queue, mem, CL_TRUE, offset, size, src, 0, MemorySegment.NULL, MemorySegment.NULL);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A blocking read of {@code size} bytes at {@code offset} into native memory {@code dst}. */
  int clEnqueueReadBuffer(
      MemorySegment queue, MemorySegment mem, long offset, long size, MemorySegment dst) {
    try {
      return (int) enqueueReadBuffer.invokeExact(
          queue, mem, CL_TRUE, offset, size, dst, 0, MemorySegment.NULL, MemorySegment.NULL);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- programs and kernels

  MemorySegment clCreateProgramWithSource(MemorySegment context, String source) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment text = a.allocateFrom(source);
      MemorySegment strings = a.allocateFrom(ADDRESS, text);
      MemorySegment err = a.allocate(JAVA_INT);
      // NULL lengths: the string is NUL-terminated.
      MemorySegment program = (MemorySegment)
          createProgramWithSource.invokeExact(context, 1, strings, MemorySegment.NULL, err);
      ClError.check(err.get(JAVA_INT, 0), "clCreateProgramWithSource");
      return program;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment clCreateProgramWithBinary(
      MemorySegment context, MemorySegment device, byte[] binary) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment devices = a.allocateFrom(ADDRESS, device);
      MemorySegment lengths = a.allocateFrom(JAVA_LONG, (long) binary.length);
      MemorySegment binaries = a.allocateFrom(ADDRESS, a.allocateFrom(JAVA_BYTE, binary));
      MemorySegment status = a.allocate(JAVA_INT);
      MemorySegment err = a.allocate(JAVA_INT);
      MemorySegment program = (MemorySegment)
          createProgramWithBinary.invokeExact(context, 1, devices, lengths, binaries, status, err);
      ClError.check(err.get(JAVA_INT, 0), "clCreateProgramWithBinary");
      int binaryStatus = status.get(JAVA_INT, 0);
      if (binaryStatus != ClError.CL_SUCCESS) {
        clReleaseProgram(program);
        throw ClError.failure("clCreateProgramWithBinary", binaryStatus);
      }
      return program;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clBuildProgram(MemorySegment program, MemorySegment device, String options) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment devices = a.allocateFrom(ADDRESS, device);
      return (int) buildProgram.invokeExact(
          program, 1, devices, a.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetProgramBuildInfo(
      MemorySegment program,
      MemorySegment device,
      int param,
      long size,
      MemorySegment v,
      MemorySegment ret) {
    try {
      return (int) getProgramBuildInfo.invokeExact(program, device, param, size, v, ret);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetProgramInfo(MemorySegment prog, int param, long size, MemorySegment v, MemorySegment r) {
    try {
      return (int) getProgramInfo.invokeExact(prog, param, size, v, r);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment clCreateKernel(MemorySegment program, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(JAVA_INT);
      MemorySegment kernel =
          (MemorySegment) createKernel.invokeExact(program, a.allocateFrom(name), err);
      ClError.check(err.get(JAVA_INT, 0), "clCreateKernel(\"" + name + "\")");
      return kernel;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clGetKernelInfo(
      MemorySegment kernel, int param, long size, MemorySegment v, MemorySegment r) {
    try {
      return (int) getKernelInfo.invokeExact(kernel, param, size, v, r);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clSetKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
    try {
      return (int) setKernelArg.invokeExact(kernel, index, size, value);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code global} and {@code local} hold {@code dims} {@code size_t}s; {@code local} may be NULL. */
  int clEnqueueNDRangeKernel(
      MemorySegment queue,
      MemorySegment kernel,
      int dims,
      MemorySegment global,
      MemorySegment local) {
    try {
      return (int) enqueueNDRangeKernel.invokeExact(
          queue,
          kernel,
          dims,
          MemorySegment.NULL,
          global,
          local,
          0,
          MemorySegment.NULL,
          MemorySegment.NULL);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  int clFinish(MemorySegment queue) {
    return call(finish, queue);
  }

  int clReleaseMemObject(MemorySegment mem) {
    return call(releaseMemObject, mem);
  }

  int clReleaseKernel(MemorySegment kernel) {
    return call(releaseKernel, kernel);
  }

  int clReleaseProgram(MemorySegment program) {
    return call(releaseProgram, program);
  }

  int clReleaseCommandQueue(MemorySegment queue) {
    return call(releaseCommandQueue, queue);
  }

  int clReleaseContext(MemorySegment context) {
    return call(releaseContext, context);
  }

  private static int call(MethodHandle oneHandleFunction, MemorySegment handle) {
    try {
      return (int) oneHandleFunction.invokeExact(handle);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException e) {
      return e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new DeviceException("OpenCL call failed: " + t, t);
  }

  // ---- queries built on the clGet*Info pattern: ask for the size, then for the value

  /** One {@code clGet*Info} call: {@code (size, value, sizeRet) -> status}. */
  @FunctionalInterface
  interface InfoCall {
    int get(long size, MemorySegment value, MemorySegment sizeRet);
  }

  /** The value of an info query as bytes in {@code arena}. */
  static MemorySegment info(Arena arena, InfoCall call, String name) {
    MemorySegment size = arena.allocate(JAVA_LONG);
    ClError.check(call.get(0, MemorySegment.NULL, size), name);
    long n = size.get(JAVA_LONG, 0);
    MemorySegment value = arena.allocate(Math.max(n, 1));
    ClError.check(call.get(n, value, MemorySegment.NULL), name);
    return value;
  }

  static String infoString(InfoCall call, String name) {
    try (Arena a = Arena.ofConfined()) {
      return info(a, call, name).getString(0).strip();
    }
  }

  /** A {@code cl_ulong} or {@code size_t} value. */
  static long infoLong(InfoCall call, String name) {
    try (Arena a = Arena.ofConfined()) {
      return info(a, call, name).get(JAVA_LONG, 0);
    }
  }

  /** A {@code cl_uint} or {@code cl_bool} value. */
  static int infoInt(InfoCall call, String name) {
    try (Arena a = Arena.ofConfined()) {
      return info(a, call, name).get(JAVA_INT, 0);
    }
  }

  MemorySegment[] platforms() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment count = a.allocate(JAVA_INT);
      int status = clGetPlatformIDs(0, MemorySegment.NULL, count);
      if (status == ClError.CL_PLATFORM_NOT_FOUND_KHR || count.get(JAVA_INT, 0) == 0) {
        return new MemorySegment[0];
      }
      ClError.check(status, "clGetPlatformIDs");
      int n = count.get(JAVA_INT, 0);
      MemorySegment ids = a.allocate(ADDRESS, n);
      ClError.check(clGetPlatformIDs(n, ids, count), "clGetPlatformIDs");
      return handles(ids, Math.min(n, count.get(JAVA_INT, 0)));
    }
  }

  MemorySegment[] devices(MemorySegment platform) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment count = a.allocate(JAVA_INT);
      int status = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
      if (status == ClError.CL_DEVICE_NOT_FOUND || count.get(JAVA_INT, 0) == 0) {
        return new MemorySegment[0];
      }
      ClError.check(status, "clGetDeviceIDs");
      int n = count.get(JAVA_INT, 0);
      MemorySegment ids = a.allocate(ADDRESS, n);
      ClError.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, ids, count), "clGetDeviceIDs");
      return handles(ids, Math.min(n, count.get(JAVA_INT, 0)));
    }
  }

  private static MemorySegment[] handles(MemorySegment array, int n) {
    MemorySegment[] out = new MemorySegment[n];
    Arrays.setAll(out, i -> array.getAtIndex(ADDRESS, i));
    return out;
  }

  String platformString(MemorySegment platform, int param) {
    return infoString(
        (s, v, r) -> clGetPlatformInfo(platform, param, s, v, r), "clGetPlatformInfo");
  }

  String deviceString(MemorySegment device, int param) {
    return infoString((s, v, r) -> clGetDeviceInfo(device, param, s, v, r), "clGetDeviceInfo");
  }

  long deviceLong(MemorySegment device, int param) {
    return infoLong((s, v, r) -> clGetDeviceInfo(device, param, s, v, r), "clGetDeviceInfo");
  }

  int deviceInt(MemorySegment device, int param) {
    return infoInt((s, v, r) -> clGetDeviceInfo(device, param, s, v, r), "clGetDeviceInfo");
  }
}
