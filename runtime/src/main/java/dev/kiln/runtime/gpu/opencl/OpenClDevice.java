package dev.kiln.runtime.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One OpenCL device with its own context and in-order queue. Copies block; launches are queued.
 *
 * <p>Not thread-safe: use a device from one thread at a time (different threads may use it one
 * after another). Its native scratch memory lives in one shared arena, freed by {@link #close()}
 * together with every buffer, program and kernel it made.
 */
public final class OpenClDevice implements Device {
  private static final String PRELUDE = "/dev/kiln/runtime/gpu/prelude-opencl.h";
  /** Host-side copies go through a native staging buffer of this size, in chunks. */
  private static final long STAGING_BYTES = 4 << 20;

  final OpenCl cl;
  final MemorySegment device;
  final MemorySegment queue;
  private final MemorySegment context;
  private final Arena arena = Arena.ofShared();
  private final String name;
  private final long memoryBytes;
  private final long maxAllocBytes;
  /** What decides a built binary besides options and source: platform, device and driver. */
  private final String[] identity;

  private final ProgramCache cache;
  private final Set<ClBuffer> buffers = new LinkedHashSet<>();
  private final List<OpenClProgram> programs = new ArrayList<>();
  /** Room for one kernel argument value and the global and local sizes of one launch. */
  final MemorySegment argValue = arena.allocate(8, 8);

  final MemorySegment globalSize = arena.allocate(JAVA_LONG, 3);
  final MemorySegment localSize = arena.allocate(JAVA_LONG, 3);
  private MemorySegment staging;
  private boolean lastBuildFromCache;
  private boolean closed;

  OpenClDevice(OpenCl cl, MemorySegment platform, MemorySegment device, Path cacheDir) {
    this.cl = cl;
    this.device = device;
    this.cache = new ProgramCache(cacheDir);
    MemorySegment createdContext = null;
    try {
      this.name = cl.deviceString(device, OpenCl.CL_DEVICE_NAME);
      this.memoryBytes = cl.deviceLong(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE);
      this.maxAllocBytes = cl.deviceLong(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
      this.identity = new String[] {
        cl.platformString(platform, OpenCl.CL_PLATFORM_NAME),
        cl.platformString(platform, OpenCl.CL_PLATFORM_VERSION),
        name,
        cl.deviceString(device, OpenCl.CL_DEVICE_VERSION),
        cl.deviceString(device, OpenCl.CL_DRIVER_VERSION)
      };
      createdContext = cl.clCreateContext(platform, device);
      this.queue = cl.clCreateCommandQueue(createdContext, device);
    } catch (RuntimeException e) {
      if (createdContext != null) {
        cl.clReleaseContext(createdContext);
      }
      arena.close();
      throw e;
    }
    this.context = createdContext;
  }

  @Override
  public String backend() {
    return OpenClProvider.BACKEND;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long memoryBytes() {
    return memoryBytes;
  }

  // ---- memory

  @Override
  public Buffer allocate(long bytes) {
    checkOpen();
    if (bytes < 0) {
      throw new DeviceException("cannot allocate " + bytes + " bytes: the size is negative");
    }
    if (bytes > memoryBytes) {
      throw new DeviceException("cannot allocate " + size(bytes) + " on " + name
          + ": more than its global memory of " + size(memoryBytes));
    }
    if (bytes > maxAllocBytes) {
      throw new DeviceException("cannot allocate " + size(bytes) + " on " + name
          + ": larger than the largest buffer it allows, " + size(maxAllocBytes)
          + " (CL_DEVICE_MAX_MEM_ALLOC_SIZE); split the tensor or use a smaller model");
    }
    // OpenCL has no empty buffers; an empty one still takes a byte so that it has a handle.
    MemorySegment mem = cl.clCreateBuffer(
        context, Math.max(bytes, 1), "clCreateBuffer of " + size(bytes) + " on " + name);
    ClBuffer buffer = new ClBuffer(this, mem, bytes);
    buffers.add(buffer);
    return buffer;
  }

  @Override
  public void write(Buffer dst, long dstOff, float[] src, int srcOff, int n) {
    ClBuffer b = checkRange("write", "float", dst, dstOff, n, 4);
    checkArray("source", "float", src.length, srcOff, n);
    copyIn(b, dstOff * 4, MemorySegment.ofArray(src).asSlice(srcOff * 4L, n * 4L));
  }

  @Override
  public void write(Buffer dst, long dstOff, int[] src, int srcOff, int n) {
    ClBuffer b = checkRange("write", "int", dst, dstOff, n, 4);
    checkArray("source", "int", src.length, srcOff, n);
    copyIn(b, dstOff * 4, MemorySegment.ofArray(src).asSlice(srcOff * 4L, n * 4L));
  }

  @Override
  public void read(Buffer src, long srcOff, float[] dst, int dstOff, int n) {
    ClBuffer b = checkRange("read", "float", src, srcOff, n, 4);
    checkArray("destination", "float", dst.length, dstOff, n);
    copyOut(b, srcOff * 4, MemorySegment.ofArray(dst).asSlice(dstOff * 4L, n * 4L));
  }

  /** Copies {@code n} ints from {@code src} at element {@code srcOff} into {@code dst[dstOff..]}. */
  public void read(Buffer src, long srcOff, int[] dst, int dstOff, int n) {
    ClBuffer b = checkRange("read", "int", src, srcOff, n, 4);
    checkArray("destination", "int", dst.length, dstOff, n);
    copyOut(b, srcOff * 4, MemorySegment.ofArray(dst).asSlice(dstOff * 4L, n * 4L));
  }

  // Java arrays cannot be handed to a blocking native call without stalling the garbage collector,
  // so copies pass through native staging memory.
  private void copyIn(ClBuffer b, long offset, MemorySegment src) {
    MemorySegment stage = staging();
    for (long done = 0; done < src.byteSize(); done += stage.byteSize()) {
      long len = Math.min(stage.byteSize(), src.byteSize() - done);
      MemorySegment.copy(src, done, stage, 0, len);
      ClError.check(
          cl.clEnqueueWriteBuffer(queue, b.mem, offset + done, len, stage), "clEnqueueWriteBuffer");
    }
  }

  private void copyOut(ClBuffer b, long offset, MemorySegment dst) {
    MemorySegment stage = staging();
    for (long done = 0; done < dst.byteSize(); done += stage.byteSize()) {
      long len = Math.min(stage.byteSize(), dst.byteSize() - done);
      ClError.check(
          cl.clEnqueueReadBuffer(queue, b.mem, offset + done, len, stage), "clEnqueueReadBuffer");
      MemorySegment.copy(stage, 0, dst, done, len);
    }
  }

  private MemorySegment staging() {
    if (staging == null) {
      staging = arena.allocate(STAGING_BYTES, 64);
    }
    return staging;
  }

  private ClBuffer checkRange(String op, String type, Buffer buffer, long off, int n, int width) {
    ClBuffer b = own(buffer);
    long capacity = b.bytes / width;
    if (off < 0 || n < 0 || off > capacity - n) {
      throw new DeviceException(op + " of " + n + " " + type + "s at element " + off
          + " does not fit a buffer of " + capacity + " " + type + "s (" + b.bytes + " bytes)");
    }
    return b;
  }

  private static void checkArray(String role, String type, int length, int off, int n) {
    if (off < 0 || n < 0 || off > length - n) {
      throw new DeviceException("the " + role + " array has " + length + " " + type
          + "s: no room for " + n + " at index " + off);
    }
  }

  /** {@code buffer} as one of this device's live buffers. */
  ClBuffer own(Buffer buffer) {
    checkOpen();
    if (!(buffer instanceof ClBuffer b) || b.owner != this) {
      throw new DeviceException("the buffer does not belong to OpenCL device " + name);
    }
    if (b.released) {
      throw new DeviceException("the buffer was closed");
    }
    return b;
  }

  // ---- programs

  @Override
  public Program build(String source, String options) {
    checkOpen();
    String opts = options == null ? "" : options;
    // #line makes the compiler's log count lines of the caller's source, not of prelude + source.
    String full = prelude() + "\n#line 1\n" + source;
    String[] key = new String[identity.length + 2];
    System.arraycopy(identity, 0, key, 0, identity.length);
    key[identity.length] = opts;
    key[identity.length + 1] = full;
    Path file = cache.file(key);

    MemorySegment program = null;
    byte[] cached = ProgramCache.read(file);
    if (cached != null) {
      program = fromBinary(cached, opts);
    }
    lastBuildFromCache = program != null;
    if (program == null) {
      program = fromSource(full, opts);
      byte[] binary = binary(program);
      if (binary != null) {
        ProgramCache.write(file, binary);
      }
    }
    OpenClProgram built = new OpenClProgram(this, program);
    programs.add(built);
    return built;
  }

  /** Whether the last {@link #build} loaded its program from the on-disk cache. */
  boolean lastBuildFromCache() {
    return lastBuildFromCache;
  }

  private MemorySegment fromSource(String source, String options) {
    MemorySegment program = cl.clCreateProgramWithSource(context, source);
    int status = cl.clBuildProgram(program, device, options);
    if (status == ClError.CL_SUCCESS) {
      return program;
    }
    String log = buildLog(program);
    cl.clReleaseProgram(program);
    if (status == ClError.CL_BUILD_PROGRAM_FAILURE) {
      throw new DeviceException("OpenCL program did not build on " + name
          + (options.isEmpty() ? "" : " with options \"" + options + "\"") + ":\n" + log);
    }
    DeviceException e = ClError.failure("clBuildProgram", status);
    throw log.isEmpty() ? e : new DeviceException(e.getMessage() + "\n" + log, e);
  }

  /** A program from a cached binary, or null if the driver will not take it (it is rebuilt). */
  private MemorySegment fromBinary(byte[] binary, String options) {
    MemorySegment program;
    try {
      program = cl.clCreateProgramWithBinary(context, device, binary);
    } catch (DeviceException e) {
      return null;
    }
    if (cl.clBuildProgram(program, device, options) != ClError.CL_SUCCESS) {
      cl.clReleaseProgram(program);
      return null;
    }
    return program;
  }

  private String buildLog(MemorySegment program) {
    try {
      return OpenCl.infoString(
          (s, v, r) ->
              cl.clGetProgramBuildInfo(program, device, OpenCl.CL_PROGRAM_BUILD_LOG, s, v, r),
          "clGetProgramBuildInfo");
    } catch (DeviceException e) {
      return "(no build log: " + e.getMessage() + ")";
    }
  }

  /** The device binary of a built program, or null if the driver does not give one. */
  private byte[] binary(MemorySegment program) {
    try (Arena a = Arena.ofConfined()) {
      long size = OpenCl.info(
              a,
              (s, v, r) -> cl.clGetProgramInfo(program, OpenCl.CL_PROGRAM_BINARY_SIZES, s, v, r),
              "clGetProgramInfo")
          .get(JAVA_LONG, 0);
      if (size <= 0 || size > Integer.MAX_VALUE - 64) {
        return null;
      }
      MemorySegment binary = a.allocate(size);
      MemorySegment pointers = a.allocateFrom(ADDRESS, binary);
      int status = cl.clGetProgramInfo(
          program, OpenCl.CL_PROGRAM_BINARIES, ADDRESS.byteSize(), pointers, MemorySegment.NULL);
      return status == ClError.CL_SUCCESS ? binary.toArray(JAVA_BYTE) : null;
    } catch (DeviceException e) {
      return null;
    }
  }

  // ---- lifetime

  @Override
  public void finish() {
    checkOpen();
    ClError.check(cl.clFinish(queue), "clFinish");
  }

  void checkOpen() {
    if (closed) {
      throw new DeviceException("OpenCL device " + name + " is closed");
    }
  }

  /**
   * Waits for queued work, then releases every kernel, program and buffer, the queue and the
   * context. Release errors are ignored: nothing can be done about them. A second call does nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    cl.clFinish(queue);
    for (OpenClProgram p : programs) {
      p.release();
    }
    for (ClBuffer b : buffers) {
      b.released = true;
      cl.clReleaseMemObject(b.mem);
    }
    buffers.clear();
    programs.clear();
    cl.clReleaseCommandQueue(queue);
    cl.clReleaseContext(context);
    arena.close();
  }

  /** {@code 1.50 GiB (1610612736 bytes)}. */
  static String size(long bytes) {
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.2f %s (%d bytes)", v, units[u], bytes);
  }

  /** Device memory of an {@link OpenClDevice}. */
  static final class ClBuffer implements Buffer {
    private final OpenClDevice owner;
    final MemorySegment mem;
    private final long bytes;
    private boolean released;

    ClBuffer(OpenClDevice owner, MemorySegment mem, long bytes) {
      this.owner = owner;
      this.mem = mem;
      this.bytes = bytes;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    /** Frees the memory once queued work no longer needs it; a second call does nothing. */
    @Override
    public void close() {
      if (!released && !owner.closed) {
        released = true;
        owner.buffers.remove(this);
        owner.cl.clReleaseMemObject(mem);
      }
    }
  }

  private static String prelude;

  /** The portable prelude, read once from the classpath. */
  private static synchronized String prelude() {
    if (prelude == null) {
      try (InputStream in = OpenClDevice.class.getResourceAsStream(PRELUDE)) {
        if (in == null) {
          throw new DeviceException("the kernel prelude " + PRELUDE + " is not on the classpath");
        }
        prelude = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new DeviceException("could not read the kernel prelude " + PRELUDE, e);
      }
    }
    return prelude;
  }
}
