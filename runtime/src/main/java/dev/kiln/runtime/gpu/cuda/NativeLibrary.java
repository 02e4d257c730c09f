package dev.kiln.runtime.gpu.cuda;

import dev.kiln.runtime.gpu.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A shared library opened for the life of the process, with typed downcalls into it. Opening one
 * that is missing or unloadable is a normal outcome (a machine without a driver), not a crash: it
 * comes back as empty or as a {@link DeviceException}.
 */
final class NativeLibrary {
  private static final Linker LINKER = Linker.nativeLinker();

  private final String location;
  private final SymbolLookup symbols;

  private NativeLibrary(String location, SymbolLookup symbols) {
    this.location = location;
    this.symbols = symbols;
  }

  /**
   * Opens the first of {@code candidates} that loads: a bare file name goes through the dynamic
   * loader's search (LD_LIBRARY_PATH, ld.so.cache), a name with a slash must be that file.
   */
  @SuppressWarnings("restricted") // loading native code is this class's purpose
  static Optional<NativeLibrary> open(List<String> candidates) {
    for (String c : candidates) {
      if (c.contains("/") && !Files.isRegularFile(Path.of(c))) {
        continue;
      }
      try {
        // The global arena: drivers are never unloaded, and a failed dlopen leaves nothing behind.
        SymbolLookup lookup = c.contains("/")
            ? SymbolLookup.libraryLookup(Path.of(c), Arena.global())
            : SymbolLookup.libraryLookup(c, Arena.global());
        return Optional.of(new NativeLibrary(c, lookup));
      } catch (IllegalArgumentException | IllegalCallerException e) {
        // Not loadable under this name (or native access is disabled): try the next candidate.
      }
    }
    return Optional.empty();
  }

  String location() {
    return location;
  }

  boolean has(String symbol) {
    return symbols.find(symbol).isPresent();
  }

  /** A downcall handle for {@code symbol}; a missing symbol means the library is too old. */
  @SuppressWarnings("restricted") // the descriptors are checked against the C headers by hand
  MethodHandle function(String symbol, FunctionDescriptor descriptor) {
    MemorySegment address = symbols
        .find(symbol)
        .orElseThrow(() -> new DeviceException(
            location + " has no function " + symbol + " (not that library, or too old a version)"));
    return LINKER.downcallHandle(address, descriptor);
  }

  /** Turns whatever a downcall threw (only programming errors can reach here) into one exception. */
  static DeviceException failure(String call, Throwable t) {
    if (t instanceof DeviceException d) {
      return d;
    }
    return new DeviceException(call + " could not be called: " + t, t);
  }
}
