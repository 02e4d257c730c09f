package dev.kiln.runtime.gpu;

import dev.kiln.runtime.mask.Mask;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The program texts {@link DeviceKernels} builds (without the backend's prelude, which
 * {@link Device#build} prepends): the kernel library, and the attention kernels for one mask and head
 * size.
 */
final class KernelSource {
  private KernelSource() {}

  /** The prefix of the rendered mask functions the attention template calls. */
  static final String MASK_PREFIX = "kiln_mask";

  private static final String LIBRARY = load("kernels.c");

  /** {@code kernels.c}: every kernel except attention. */
  static String library() {
    return LIBRARY;
  }

  /**
   * The attention kernels of {@code kernels.c} instantiated for {@code mask} and head size {@code dh}:
   * the head size and the rendered mask, then the same text with the library part switched off.
   */
  static String attention(Mask mask, int dh) {
    if (dh <= 0) {
      throw new IllegalArgumentException("head size must be positive, got " + dh);
    }
    return "#define KILN_DH " + dh + "\n#define KILN_ATTENTION_ONLY\n"
        + MaskSource.render(MASK_PREFIX, mask) + LIBRARY;
  }

  private static String load(String name) {
    try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("kernel source " + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kernel source " + name, e);
    }
  }
}
