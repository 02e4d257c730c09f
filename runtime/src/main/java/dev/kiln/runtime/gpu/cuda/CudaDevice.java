package dev.kiln.runtime.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One NVIDIA GPU through the CUDA driver API: its primary context, the legacy default stream (so
 * launches and copies run in issue order, and copies to or from the host block), kernels built from
 * the portable prelude with NVRTC, and PTX cached on disk. A CUDA context is current per thread, so
 * every entry point makes this device's context current on the calling thread first.
 */
public final class CudaDevice implements Device {
  /** Host staging per copy step: large copies go through in pieces of this many bytes. */
  private static final long STAGING_BYTES = 32L << 20;

  private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)");

  private final CudaDriver cu;
  private final Nvrtc nvrtc;
  private final PtxCache cache;
  private final int device;
  private final MemorySegment context;
  private final String name;
  private final long memoryBytes;
  private final int capability;
  private final int architecture;
  private final int driverVersion;

  // Guarded by this: what close() must free.
  private final Set<CudaBuffer> buffers = new LinkedHashSet<>();
  private final List<MemorySegment> modules = new ArrayList<>();
  private boolean closed;

  CudaDevice(CudaDriver cu, Nvrtc nvrtc, CudaProvider.DeviceFacts facts, PtxCache cache) {
    this.cu = cu;
    this.nvrtc = nvrtc;
    this.cache = cache;
    this.device = facts.device();
    this.name = facts.name();
    this.memoryBytes = facts.memoryBytes();
    this.capability = facts.capability();
    this.architecture = facts.architecture();
    this.driverVersion = facts.driverVersion();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      cu.check(cu.cuDevicePrimaryCtxRetain(out, device), "cuDevicePrimaryCtxRetain");
      context = out.get(ADDRESS, 0);
    }
  }

  @Override
  public String backend() {
    return "cuda";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long memoryBytes() {
    return memoryBytes;
  }

  /** Compute capability as major*10+minor, for example 90 for an H100. */
  public int capability() {
    return capability;
  }

  /** Makes this device's context current on the calling thread; refuses a closed device. */
  private void enter() {
    synchronized (this) {
      if (closed) {
        throw new DeviceException("CUDA device " + name + " is closed");
      }
    }
    cu.check(cu.cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  @Override
  public Buffer allocate(long bytes) {
    if (bytes < 0) {
      throw new DeviceException("cannot allocate " + bytes + " bytes");
    }
    enter();
    if (bytes == 0) {
      return track(new CudaBuffer(this, 0, 0));
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment free = arena.allocate(JAVA_LONG);
      MemorySegment total = arena.allocate(JAVA_LONG);
      cu.check(cu.cuMemGetInfo(free, total), "cuMemGetInfo_v2");
      if (bytes > free.get(JAVA_LONG, 0)) {
        throw outOfMemory(bytes, free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
      }
      MemorySegment ptr = arena.allocate(JAVA_LONG);
      int rc = cu.cuMemAlloc(ptr, bytes);
      if (rc == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
        cu.cuMemGetInfo(free, total);
        throw outOfMemory(bytes, free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0));
      }
      cu.check(rc, "cuMemAlloc_v2(" + bytes + " bytes)");
      return track(new CudaBuffer(this, ptr.get(JAVA_LONG, 0), bytes));
    }
  }

  private DeviceException outOfMemory(long bytes, long free, long total) {
    return new DeviceException("out of device memory on "
        + name
        + ": cannot allocate "
        + size(bytes)
        + " ("
        + size(free)
        + " free of "
        + size(total)
        + ")");
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private synchronized CudaBuffer track(CudaBuffer b) {
    buffers.add(b);
    return b;
  }

  @Override
  public void write(Buffer dst, long dstOff, float[] src, int srcOff, int n) {
    CudaBuffer b = own(dst);
    checkRange(b, dstOff, n, Float.BYTES, src.length, srcOff);
    copyIn(b, dstOff * Float.BYTES, MemorySegment.ofArray(src), srcOff, n, JAVA_FLOAT);
  }

  @Override
  public void write(Buffer dst, long dstOff, int[] src, int srcOff, int n) {
    CudaBuffer b = own(dst);
    checkRange(b, dstOff, n, Integer.BYTES, src.length, srcOff);
    copyIn(b, dstOff * Integer.BYTES, MemorySegment.ofArray(src), srcOff, n, JAVA_INT);
  }

  @Override
  public void read(Buffer src, long srcOff, float[] dst, int dstOff, int n) {
    CudaBuffer b = own(src);
    checkRange(b, srcOff, n, Float.BYTES, dst.length, dstOff);
    enter();
    long bytes = (long) n * Float.BYTES;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment staging = arena.allocate(Math.min(bytes, STAGING_BYTES), 16);
      MemorySegment heap = MemorySegment.ofArray(dst);
      for (long done = 0; done < bytes; ) {
        long step = Math.min(STAGING_BYTES, bytes - done);
        cu.check(
            cu.cuMemcpyDtoH(staging, b.pointer + srcOff * Float.BYTES + done, step),
            "cuMemcpyDtoH_v2");
        MemorySegment.copy(staging, 0, heap, (long) dstOff * Float.BYTES + done, step);
        done += step;
      }
    }
  }

  private void copyIn(
      CudaBuffer b, long dstByte, MemorySegment heap, int srcOff, int n, ValueLayout element) {
    enter();
    long bytes = n * element.byteSize();
    long first = srcOff * element.byteSize();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment staging = arena.allocate(Math.min(bytes, STAGING_BYTES), 16);
      for (long done = 0; done < bytes; ) {
        long step = Math.min(STAGING_BYTES, bytes - done);
        MemorySegment.copy(heap, first + done, staging, 0, step);
        // Synchronous for pageable host memory: the staging buffer may be reused on return.
        cu.check(cu.cuMemcpyHtoD(b.pointer + dstByte + done, staging, step), "cuMemcpyHtoD_v2");
        done += step;
      }
    }
  }

  private static void checkRange(
      CudaBuffer b, long off, int n, int elementBytes, int arrayLength, int arrayOff) {
    if (n < 0 || off < 0 || arrayOff < 0 || (long) arrayOff + n > arrayLength) {
      throw new DeviceException("copy of "
          + n
          + " elements at array offset "
          + arrayOff
          + " and buffer element "
          + off
          + " is out of bounds (array length "
          + arrayLength
          + ")");
    }
    if (off > b.bytes / elementBytes || (off + n) * elementBytes > b.bytes) {
      throw new DeviceException("copy of "
          + n
          + " elements at buffer element "
          + off
          + " runs past the end of a "
          + b.bytes
          + "-byte buffer");
    }
  }

  /** The buffer as this device's own, open buffer. */
  private CudaBuffer own(Buffer buffer) {
    if (!(buffer instanceof CudaBuffer b) || b.device != this) {
      throw new DeviceException("the buffer does not belong to CUDA device " + name);
    }
    if (b.isClosed()) {
      throw new DeviceException("the buffer was closed");
    }
    return b;
  }

  @Override
  public Program build(String source, String options) {
    enter();
    List<String> opts = new ArrayList<>();
    opts.add("--gpu-architecture=compute_" + architecture);
    // Helpers written as plain C functions (valid OpenCL C) become device functions, as in OpenCL.
    opts.add("-default-device");
    opts.addAll(userOptions(options));
    String program = Nvrtc.program(source);
    String key = PtxCache.key(
        "sm_" + capability, driverVersion, nvrtc.version(), String.join(" ", opts), program);
    Optional<String> cached = cache.get(key);
    if (cached.isPresent()) {
      Optional<MemorySegment> module = tryLoad(cached.get());
      if (module.isPresent()) {
        return register(module.get(), cached.get());
      }
      cache.remove(key);
    }
    String ptx = nvrtc.compile(program, opts);
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      int rc = cu.cuModuleLoadData(out, arena.allocateFrom(ptx));
      if (rc != CudaDriver.CUDA_SUCCESS) {
        throw new DeviceException("the CUDA driver (CUDA "
            + driverVersionText(driverVersion)
            + ") refused the PTX from NVRTC "
            + nvrtc.version()
            + ": "
            + cu.describe(rc));
      }
      cache.put(key, ptx);
      return register(out.get(ADDRESS, 0), ptx);
    }
  }

  private Optional<MemorySegment> tryLoad(String ptx) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ADDRESS);
      return cu.cuModuleLoadData(out, arena.allocateFrom(ptx)) == CudaDriver.CUDA_SUCCESS
          ? Optional.of(out.get(ADDRESS, 0))
          : Optional.empty();
    }
  }

  private synchronized Program register(MemorySegment module, String ptx) {
    modules.add(module);
    List<String> entries = new ArrayList<>();
    Matcher m = ENTRY.matcher(ptx);
    while (m.find()) {
      entries.add(m.group(1));
    }
    return new CudaProgram(module, List.copyOf(entries));
  }

  /**
   * The caller's options, split on spaces. The same options string may be given to both backends,
   * so the OpenCL forms are translated: {@code -D NAME=V} (two words) becomes the one word NVRTC
   * expects, {@code -cl-fast-relaxed-math} becomes {@code --use_fast_math}, and other {@code -cl-}
   * options (language version, optimisation hints) are dropped, having no NVRTC meaning.
   */
  static List<String> userOptions(String options) {
    List<String> out = new ArrayList<>();
    if (options == null || options.isBlank()) {
      return out;
    }
    String[] words = options.trim().split("\\s+");
    for (int i = 0; i < words.length; i++) {
      String w = words[i];
      if ((w.equals("-D") || w.equals("-I")) && i + 1 < words.length) {
        out.add(w + words[++i]);
      } else if (w.equals("-cl-fast-relaxed-math")) {
        out.add("--use_fast_math");
      } else if (!w.startsWith("-cl-")) {
        out.add(w);
      }
    }
    return out;
  }

  static String driverVersionText(int v) {
    return v / 1000 + "." + (v % 1000) / 10;
  }

  @Override
  public void finish() {
    enter();
    cu.check(cu.cuCtxSynchronize(), "cuCtxSynchronize (a kernel launched earlier failed)");
  }

  /**
   * Frees every buffer and module and releases the context. Errors are not thrown here: after a
   * failed kernel the context is unusable and frees fail, but the context must still be released.
   */
  @Override
  public void close() {
    List<CudaBuffer> toFree;
    List<MemorySegment> toUnload;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toFree = new ArrayList<>(buffers);
      toUnload = new ArrayList<>(modules);
      buffers.clear();
      modules.clear();
    }
    if (cu.cuCtxSetCurrent(context) == CudaDriver.CUDA_SUCCESS) {
      for (CudaBuffer b : toFree) {
        b.markClosed();
        if (b.pointer != 0) {
          cu.cuMemFree(b.pointer);
        }
      }
      for (MemorySegment m : toUnload) {
        cu.cuModuleUnload(m);
      }
    }
    cu.cuDevicePrimaryCtxRelease(device);
    cu.cuCtxSetCurrent(MemorySegment.NULL);
  }

  /** Frees one buffer now (a no-op once it or its device is closed). */
  void free(CudaBuffer b) {
    synchronized (this) {
      if (closed || !buffers.remove(b)) {
        return;
      }
    }
    if (b.pointer != 0) {
      cu.check(cu.cuCtxSetCurrent(context), "cuCtxSetCurrent");
      cu.check(cu.cuMemFree(b.pointer), "cuMemFree_v2");
    }
  }

  @Override
  public String toString() {
    return "cuda:" + device + " " + name;
  }

  /** Device memory: a {@code CUdeviceptr} and its size. */
  static final class CudaBuffer implements Buffer {
    final CudaDevice device;
    final long pointer;
    final long bytes;
    private volatile boolean closed;

    CudaBuffer(CudaDevice device, long pointer, long bytes) {
      this.device = device;
      this.pointer = pointer;
      this.bytes = bytes;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    boolean isClosed() {
      return closed;
    }

    void markClosed() {
      closed = true;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        device.free(this);
      }
    }
  }

  /** A loaded module and the kernel entry points its PTX declares. */
  private final class CudaProgram implements Program {
    private final MemorySegment module;
    private final List<String> entries;

    CudaProgram(MemorySegment module, List<String> entries) {
      this.module = module;
      this.entries = entries;
    }

    @Override
    public Kernel kernel(String kernelName) {
      enter();
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment out = arena.allocate(ADDRESS);
        int rc = cu.cuModuleGetFunction(out, module, arena.allocateFrom(kernelName));
        if (rc == CudaDriver.CUDA_ERROR_NOT_FOUND) {
          throw new DeviceException("no kernel named '"
              + kernelName
              + "' in this CUDA program; it has: "
              + (entries.isEmpty() ? "none" : String.join(", ", entries))
              + " (kernels are declared with KERNEL, which keeps their names unmangled)");
        }
        cu.check(rc, "cuModuleGetFunction(" + kernelName + ")");
        return new CudaKernel(kernelName, out.get(ADDRESS, 0));
      }
    }
  }

  /** A {@code CUfunction}: launches on the default stream. */
  private final class CudaKernel implements Kernel {
    private final String kernelName;
    private final MemorySegment function;

    CudaKernel(String kernelName, MemorySegment function) {
      this.kernelName = kernelName;
      this.function = function;
    }

    @Override
    public void launch(long[] global, long[] local, Object... args) {
      int dims = global.length;
      if (dims < 1 || dims > 3 || local.length != dims) {
        throw new DeviceException(kernelName
            + ": global and local sizes must have the same 1 to 3 dimensions, got "
            + dims
            + " and "
            + local.length);
      }
      int[] grid = {1, 1, 1};
      int[] block = {1, 1, 1};
      for (int d = 0; d < dims; d++) {
        if (local[d] <= 0 || global[d] <= 0) {
          throw new DeviceException(kernelName + ": sizes must be positive (dimension " + d
              + ": global " + global[d] + ", local " + local[d] + ")");
        }
        long groups = (global[d] + local[d] - 1) / local[d];
        if (groups > Integer.MAX_VALUE || local[d] > Integer.MAX_VALUE) {
          throw new DeviceException(kernelName + ": too many work items in dimension " + d);
        }
        grid[d] = (int) groups;
        block[d] = (int) local[d];
      }
      enter();
      try (Arena arena = Arena.ofConfined()) {
        // cuLaunchKernel wants void*[]: one pointer per parameter to a copy of its value.
        MemorySegment params = arena.allocate(ADDRESS, Math.max(1, args.length));
        for (int i = 0; i < args.length; i++) {
          params.setAtIndex(ADDRESS, i, argument(arena, i, args[i]));
        }
        int rc = cu.cuLaunchKernel(function, grid, block, params);
        if (rc != CudaDriver.CUDA_SUCCESS) {
          throw new DeviceException("launch of "
              + kernelName
              + " (grid "
              + grid[0] + "x" + grid[1] + "x" + grid[2]
              + ", block "
              + block[0] + "x" + block[1] + "x" + block[2]
              + ") failed: "
              + cu.describe(rc));
        }
      }
    }

    private MemorySegment argument(Arena arena, int i, Object arg) {
      return switch (arg) {
        case Buffer b -> arena.allocateFrom(JAVA_LONG, own(b).pointer);
        case Integer v -> arena.allocateFrom(JAVA_INT, v);
        case Long v -> arena.allocateFrom(JAVA_LONG, v);
        case Float v -> arena.allocateFrom(JAVA_FLOAT, v);
        case null -> throw new DeviceException(kernelName + ": argument " + i + " is null");
        default ->
          throw new DeviceException(kernelName
              + ": argument "
              + i
              + " is a "
              + arg.getClass().getSimpleName()
              + "; kernels take Buffer, Integer, Long or Float");
      };
    }
  }
}
