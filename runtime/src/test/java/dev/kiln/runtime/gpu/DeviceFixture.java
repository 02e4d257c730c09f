package dev.kiln.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.cpu.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The OpenCL device the kernel tests run on (PoCL on a CPU in CI), found through {@link
 * ServiceLoader} so the tests skip with the backend's reason where there is none; plus upload,
 * download, seeded inputs and the error measure the tests report.
 */
final class DeviceFixture implements AutoCloseable {
  /**
   * Elements smaller than this fraction of a tensor's largest magnitude are compared against that
   * floor instead of their own magnitude: an element that is a nearly cancelling sum (of a dot
   * product, a column sum, a gradient) carries the rounding error of its terms, not of its value, so
   * its own relative error says nothing about the kernel; summed in another order, the CPU's value
   * would differ as much.
   */
  static final double FLOOR = 1e-2;

  final Device device;
  final DeviceKernels kernels;
  private final List<Device.Buffer> buffers = new ArrayList<>();
  private final Map<String, Double> worst = new TreeMap<>();

  private DeviceFixture(Device device) {
    this.device = device;
    this.kernels = new DeviceKernels(device);
  }

  /** Opens the first available OpenCL device, or aborts the calling test class saying why not. */
  static DeviceFixture openOrSkip() {
    List<String> why = new ArrayList<>();
    try {
      for (DeviceProvider p : Devices.providers()) {
        if (!p.name().equals("opencl")) {
          continue;
        }
        for (DeviceProvider.DeviceInfo info : p.probe()) {
          if (info.available()) {
            return new DeviceFixture(p.open(info.index()));
          }
          why.add(info.name() + ": " + info.detail());
        }
      }
    } catch (ServiceConfigurationError e) {
      why.add(e.getMessage());
    }
    Assumptions.abort("no OpenCL device to run the device kernels on"
        + (why.isEmpty() ? " (no opencl DeviceProvider on the classpath)" : ": " + why));
    throw new AssertionError("unreachable");
  }

  Device.Buffer up(float[] x) {
    Device.Buffer b = device.allocate(Math.max(1, x.length) * (long) Float.BYTES);
    buffers.add(b);
    if (x.length > 0) {
      device.write(b, 0, x, 0, x.length);
    }
    return b;
  }

  float[] down(Device.Buffer b, int n) {
    float[] x = new float[n];
    device.read(b, 0, x, 0, n);
    return x;
  }

  /** Frees the buffers made by {@link #up} so far. */
  void freeBuffers() {
    for (Device.Buffer b : buffers) {
      b.close();
    }
    buffers.clear();
  }

  static float[] normal(long seed, int n, double scale) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (scale * r.nextGaussian());
    }
    return x;
  }

  static float[] uniform(long seed, int n, double lo, double hi) {
    return TestData.f(TestData.uniform(seed, n, lo, hi));
  }

  static int[] ints(long seed, int n, int bound) {
    return TestData.ints(seed, n, bound);
  }

  /**
   * The worst {@code |got - want| / max(|want|, FLOOR·max|want|)}; equal infinities count as equal,
   * any other non-finite mismatch as infinitely wrong.
   */
  static double relError(float[] want, float[] got) {
    double scale = 0;
    for (float w : want) {
      if (Float.isFinite(w)) {
        scale = Math.max(scale, Math.abs(w));
      }
    }
    double floor = Math.max(FLOOR * scale, Float.MIN_NORMAL);
    double err = 0;
    for (int i = 0; i < want.length; i++) {
      float w = want[i];
      float g = got[i];
      if (!Float.isFinite(w) || !Float.isFinite(g)) {
        if (Float.compare(w, g) != 0) {
          return Double.POSITIVE_INFINITY;
        }
        continue;
      }
      err = Math.max(err, Math.abs((double) g - w) / Math.max(Math.abs(w), floor));
    }
    return err;
  }

  /** Asserts {@code relError(want, got) <= tol} and records the error under {@code what}. */
  void check(String what, float[] want, float[] got, double tol) {
    double err = relError(want, got);
    worst.merge(what, err, Math::max);
    assertTrue(err <= tol, what + ": relative error " + err + " > " + tol);
  }

  void check(String what, double want, double got, double tol) {
    check(what, new float[] {(float) want}, new float[] {(float) got}, tol);
  }

  /** Records an exact comparison (error 0) for the report. */
  void exact(String what) {
    worst.merge(what, 0.0, Math::max);
  }

  /** The worst errors seen, one line per kernel. */
  String report() {
    StringBuilder s = new StringBuilder();
    worst.forEach((k, v) -> s.append(String.format("  %-40s %.3g%n", k, v)));
    return s.toString();
  }

  @Override
  public void close() {
    freeBuffers();
    kernels.close();
    device.close();
  }
}
