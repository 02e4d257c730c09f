package dev.kiln.runtime.gpu;

/**
 * One compute device of one backend, with its own context and in-order queue. Every method either
 * succeeds or throws {@link DeviceException} with a message a user can act on (never a JVM crash).
 * Launches are asynchronous and ordered; reads block until the data is on the host.
 */
public interface Device extends AutoCloseable {
  /** The backend name: {@code opencl} or {@code cuda}. */
  String backend();

  /** A human-readable device name, for example {@code "NVIDIA H100 80GB HBM3"}. */
  String name();

  /** Global memory of the device in bytes. */
  long memoryBytes();

  /** Allocates {@code bytes} of device memory (contents undefined). */
  Buffer allocate(long bytes);

  /** Copies {@code n} floats from {@code src[srcOff..]} to {@code dst} at element {@code dstOff}. */
  void write(Buffer dst, long dstOff, float[] src, int srcOff, int n);

  /** Copies {@code n} ints from {@code src[srcOff..]} to {@code dst} at element {@code dstOff}. */
  void write(Buffer dst, long dstOff, int[] src, int srcOff, int n);

  /** Copies {@code n} floats from {@code src} at element {@code srcOff} into {@code dst[dstOff..]}. */
  void read(Buffer src, long srcOff, float[] dst, int dstOff, int n);

  /**
   * Builds {@code source} (written against the portable kernel prelude, which the backend prepends)
   * into a program. A failed build throws {@link DeviceException} whose message holds the compiler's
   * log. Backends may cache built programs on disk, keyed by source, options and device.
   */
  Program build(String source, String options);

  /** Waits until every launch and copy issued so far has finished. */
  void finish();

  @Override
  void close();

  /** Device memory; freed by {@link #close()} or with its device. */
  interface Buffer extends AutoCloseable {
    long bytes();

    @Override
    void close();
  }

  /** A built program. */
  interface Program {
    /** The kernel named {@code name}; throws {@link DeviceException} if there is none. */
    Kernel kernel(String name);
  }

  /** One kernel of a program. */
  interface Kernel {
    /**
     * Launches the kernel over {@code global} work items in groups of {@code local} (each
     * {@code global[i]} a multiple of {@code local[i]}; 1 to 3 dimensions). {@code args} are, in the
     * kernel's parameter order, {@link Buffer}s, {@link Integer}s, {@link Long}s and {@link Float}s.
     */
    void launch(long[] global, long[] local, Object... args);
  }
}
