package dev.kiln.runtime.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/**
 * Seeded test inputs (float-representable doubles, so both kernel families see identical data) and
 * closeness checks.
 */
public final class TestData {
  private TestData() {}

  /** Uniform values in {@code [lo, hi)}, rounded to float precision. */
  public static double[] uniform(long seed, int n, double lo, double hi) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return x;
  }

  /** Standard normal values, rounded to float precision. */
  static double[] normal(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  public static int[] ints(long seed, int n, int bound) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] x = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextInt(bound);
    }
    return x;
  }

  public static float[] f(double[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) x[i];
    }
    return y;
  }

  static double[] d(float[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i];
    }
    return y;
  }

  /** Asserts {@code |expected - actual| <= atol + rtol·|expected|} element-wise (NaN must match NaN). */
  static void assertClose(
      String what, double[] expected, float[] actual, double rtol, double atol) {
    assertClose(what, expected, d(actual), rtol, atol);
  }

  static void assertClose(
      String what, double[] expected, double[] actual, double rtol, double atol) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " != " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      if (Double.isNaN(e) || Double.isNaN(a) || Double.isInfinite(e) || Double.isInfinite(a)) {
        if (Double.compare(e, a) != 0 && !(Double.isNaN(e) && Double.isNaN(a))) {
          fail(what + ": element " + i + " is " + a + ", expected " + e);
        }
        continue;
      }
      if (!(Math.abs(e - a) <= atol + rtol * Math.abs(e))) {
        fail(what + ": element " + i + " is " + a + ", expected " + e + " (diff " + Math.abs(e - a)
            + ")");
      }
    }
  }

  static void assertClose(String what, double expected, double actual, double rtol, double atol) {
    assertClose(what, new double[] {expected}, new double[] {actual}, rtol, atol);
  }

  /** The largest absolute value, for tolerances relative to a tensor's scale. */
  static double maxAbs(double[] x) {
    double m = 0;
    for (double v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
