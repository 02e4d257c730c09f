package dev.kiln.runtime;

import java.nio.charset.StandardCharsets;

/**
 * Counter-based random numbers: every value is a pure function of (seed, index), so dropout masks are
 * identical in forward and backward without being stored, initialisation does not depend on the order
 * parameters are visited, and any backend (CPU, OpenCL, CUDA) can reproduce the same stream.
 */
public final class Rng {
  private Rng() {}

  /** SplitMix64's finaliser: a bijective 64-bit mix with good avalanche. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The 64-bit hash of element {@code index} of the stream {@code seed}. */
  public static long bits(long seed, long index) {
    return mix(mix(seed) + index * 0x9E3779B97F4A7C15L);
  }

  /** Uniform in [0, 1) with 24 bits of resolution (exactly representable in float and double). */
  public static float uniform(long seed, long index) {
    return (bits(seed, index) >>> 40) * 0x1.0p-24f;
  }

  /** Standard normal (Box–Muller over two counter-based uniforms). */
  public static double normal(long seed, long index) {
    long h = bits(seed, index);
    double u1 = ((h >>> 11) + 1.0) * 0x1.0p-53; // (0, 1]
    double u2 = (bits(seed ^ 0x5DEECE66DL, index) >>> 11) * 0x1.0p-53;
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Derives a child seed from a parent seed and a name (FNV-1a over UTF-8, then mixed). */
  public static long derive(long seed, String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix(seed ^ h);
  }

  /** Derives a child seed from a parent seed and a number (step, layer id). */
  public static long derive(long seed, long n) {
    return mix(seed + mix(n + 0x632BE59BD9B4E019L));
  }
}
