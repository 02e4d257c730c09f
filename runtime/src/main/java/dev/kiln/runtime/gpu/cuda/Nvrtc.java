package dev.kiln.runtime.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.DeviceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * NVRTC ({@code libnvrtc}), CUDA C++ to PTX at run time, bound with FFM. It needs no GPU, so it can
 * be exercised on any machine that has the library.
 */
final class Nvrtc {
  static final String LIBRARY_PROPERTY = "kiln.cuda.nvrtc";
  private static final int NVRTC_SUCCESS = 0;

  /** The CUDA prelude, prepended to every kernel source. */
  static final String PRELUDE = readPrelude();

  private static final Object LOCK = new Object();
  private static volatile Nvrtc loaded;

  final String location;
  final int major;
  final int minor;

  /** Virtual architectures this NVRTC can target (for example 75, 80, ..., 120), ascending. */
  final int[] architectures;

  /** The {@code -Dkiln.cuda.nvrtc} value this instance was loaded under (null: the default search). */
  private final String requested;

  private final MethodHandle createProgram;
  private final MethodHandle compileProgram;
  private final MethodHandle getProgramLogSize;
  private final MethodHandle getProgramLog;
  private final MethodHandle getPtxSize;
  private final MethodHandle getPtx;
  private final MethodHandle destroyProgram;
  private final MethodHandle getErrorString;

  private Nvrtc(NativeLibrary lib, String requested) {
    location = lib.location();
    this.requested = requested;
    createProgram = lib.function(
        "nvrtcCreateProgram",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    compileProgram = lib.function(
        "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    getProgramLogSize =
        lib.function("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    getProgramLog =
        lib.function("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    getPtxSize = lib.function("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    getPtx = lib.function("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    destroyProgram = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    getErrorString = lib.function("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    MethodHandle version =
        lib.function("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment ma = arena.allocate(JAVA_INT);
      MemorySegment mi = arena.allocate(JAVA_INT);
      check((int) version.invokeExact(ma, mi), "nvrtcVersion");
      major = ma.get(JAVA_INT, 0);
      minor = mi.get(JAVA_INT, 0);
      architectures = supportedArchitectures(lib, arena);
    } catch (Throwable t) {
      throw NativeLibrary.failure("nvrtcVersion", t);
    }
  }

  /** NVRTC 11.2 and newer list their targets; for older ones the device's own is tried as it is. */
  private static int[] supportedArchitectures(NativeLibrary lib, Arena arena) throws Throwable {
    if (!lib.has("nvrtcGetNumSupportedArchs") || !lib.has("nvrtcGetSupportedArchs")) {
      return new int[0];
    }
    MethodHandle num =
        lib.function("nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    MethodHandle list =
        lib.function("nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    MemorySegment n = arena.allocate(JAVA_INT);
    if ((int) num.invokeExact(n) != NVRTC_SUCCESS) {
      return new int[0];
    }
    MemorySegment archs = arena.allocate(JAVA_INT, Math.max(1, n.get(JAVA_INT, 0)));
    if ((int) list.invokeExact(archs) != NVRTC_SUCCESS) {
      return new int[0];
    }
    return archs.asSlice(0, JAVA_INT.byteSize() * n.get(JAVA_INT, 0)).toArray(JAVA_INT);
  }

  /** Where NVRTC is looked for, in order; {@code -Dkiln.cuda.nvrtc} replaces the whole list. */
  static List<String> candidates() {
    String configured = System.getProperty(LIBRARY_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return List.of(configured);
    }
    List<String> names =
        List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2");
    List<String> dirs = new ArrayList<>();
    String cudaHome = System.getenv("CUDA_HOME");
    if (cudaHome != null && !cudaHome.isBlank()) {
      dirs.add(cudaHome + "/lib64");
    }
    dirs.add("/usr/local/cuda/lib64");
    dirs.add("/usr/local/cuda/targets/x86_64-linux/lib");
    List<String> all = new ArrayList<>(names);
    for (String d : dirs) {
      for (String n : names) {
        all.add(d + "/" + n);
      }
    }
    return all;
  }

  /**
   * NVRTC loads {@code libnvrtc-builtins.so.X.Y} by name at its first compile. Where libnvrtc was
   * found by path in a folder the dynamic loader does not search (a Python wheel, a copied toolkit),
   * loading the builtins from that folder first lets that lookup find them already in the process.
   */
  private static void preloadBuiltins(String nvrtcPath) {
    Path dir = Path.of(nvrtcPath).toAbsolutePath().getParent();
    try (DirectoryStream<Path> builtins = Files.newDirectoryStream(dir, "libnvrtc-builtins.so.*")) {
      for (Path b : builtins) {
        NativeLibrary.open(List.of(b.toString()));
      }
    } catch (IOException | RuntimeException e) {
      // Then NVRTC reports the missing builtins itself, at the first compile.
    }
  }

  /** The process's NVRTC (found once), or a {@link DeviceException} saying where it was looked for. */
  static Nvrtc load() {
    Nvrtc n = loaded;
    if (n != null && Objects.equals(System.getProperty(LIBRARY_PROPERTY), n.requested)) {
      return n;
    }
    synchronized (LOCK) {
      List<String> where = candidates();
      NativeLibrary lib = null;
      for (int i = 0; i < where.size() && lib == null; i++) {
        String c = where.get(i);
        if (c.contains("/") && Files.isRegularFile(Path.of(c))) {
          preloadBuiltins(c);
        }
        lib = NativeLibrary.open(List.of(c)).orElse(null);
      }
      if (lib == null) {
        throw new DeviceException("NVRTC not found (looked for "
            + String.join(", ", where)
            + "): install the CUDA toolkit's libnvrtc, or point -D"
            + LIBRARY_PROPERTY
            + " at it");
      }
      n = new Nvrtc(lib, System.getProperty(LIBRARY_PROPERTY));
      loaded = n;
      return n;
    }
  }

  /** {@code 13.0}. */
  String version() {
    return major + "." + minor;
  }

  /**
   * The virtual architecture (major*10+minor) to compile for on a device of capability {@code cc}:
   * the device's own when supported, the newest below it otherwise (its PTX is JIT-compiled forward),
   * or -1 when the device is older than anything this NVRTC targets.
   */
  int architectureFor(int cc) {
    if (architectures.length == 0) {
      return cc;
    }
    int best = -1;
    for (int a : architectures) {
      if (a <= cc) {
        best = Math.max(best, a);
      }
    }
    return best;
  }

  /** The kernel source as NVRTC sees it: the prelude, then the source with its own line numbers. */
  static String program(String source) {
    return PRELUDE + "\n#line 1 \"kernel.cu\"\n" + source;
  }

  /**
   * Compiles {@code program} (already holding the prelude) with {@code options} to PTX text. A
   * compile error throws a {@link DeviceException} whose message holds NVRTC's log.
   */
  String compile(String program, List<String> options) {
    // Programs are independent, but older NVRTC releases were not documented as thread-safe.
    synchronized (LOCK) {
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment prog = arena.allocate(ADDRESS);
        check(
            (int) createProgram.invokeExact(
                prog,
                arena.allocateFrom(program, StandardCharsets.UTF_8),
                arena.allocateFrom("kernel.cu"),
                0,
                MemorySegment.NULL,
                MemorySegment.NULL),
            "nvrtcCreateProgram");
        MemorySegment handle = prog.get(ADDRESS, 0);
        try {
          MemorySegment opts = arena.allocate(ADDRESS, Math.max(1, options.size()));
          for (int i = 0; i < options.size(); i++) {
            opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
          }
          int rc = (int) compileProgram.invokeExact(handle, options.size(), opts);
          if (rc != NVRTC_SUCCESS) {
            throw new DeviceException("CUDA kernel build failed ("
                + errorString(rc)
                + ", NVRTC "
                + version()
                + ", options "
                + String.join(" ", options)
                + "):\n"
                + log(arena, handle).strip());
          }
          MemorySegment size = arena.allocate(JAVA_LONG);
          check((int) getPtxSize.invokeExact(handle, size), "nvrtcGetPTXSize");
          MemorySegment ptx = arena.allocate(size.get(JAVA_LONG, 0) + 1);
          check((int) getPtx.invokeExact(handle, ptx), "nvrtcGetPTX");
          return ptx.getString(0);
        } finally {
          int _ = (int) destroyProgram.invokeExact(prog);
        }
      } catch (Throwable t) {
        throw NativeLibrary.failure("nvrtcCompileProgram", t);
      }
    }
  }

  private String log(Arena arena, MemorySegment handle) throws Throwable {
    MemorySegment size = arena.allocate(JAVA_LONG);
    if ((int) getProgramLogSize.invokeExact(handle, size) != NVRTC_SUCCESS) {
      return "(no log)";
    }
    MemorySegment log = arena.allocate(size.get(JAVA_LONG, 0) + 1);
    if ((int) getProgramLog.invokeExact(handle, log) != NVRTC_SUCCESS) {
      return "(no log)";
    }
    return log.getString(0);
  }

  private void check(int rc, String call) {
    if (rc != NVRTC_SUCCESS) {
      throw new DeviceException(call + " failed: " + errorString(rc));
    }
  }

  @SuppressWarnings("restricted") // NVRTC returns a static C string of unknown length
  private String errorString(int rc) {
    try {
      MemorySegment s = (MemorySegment) getErrorString.invokeExact(rc);
      return s.equals(MemorySegment.NULL)
          ? "nvrtcResult " + rc
          : s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "nvrtcResult " + rc;
    }
  }

  private static String readPrelude() {
    try (InputStream in = Nvrtc.class.getResourceAsStream("/dev/kiln/runtime/gpu/prelude-cuda.h")) {
      if (in == null) {
        throw new IllegalStateException("prelude-cuda.h is missing from the runtime jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
