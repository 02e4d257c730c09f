package dev.kiln.runtime.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.Device.Buffer;
import dev.kiln.runtime.gpu.Device.Kernel;
import dev.kiln.runtime.gpu.DeviceException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernels written with the portable prelude, run on the first OpenCL device (PoCL in CI). */
class OpenClDeviceTest {
  private static final String KERNELS = """
      KERNEL void saxpy(GLOBAL float* y, GLOBAL const float* x, float a, int n) {
        int i = GLOBAL_ID(0);
        if (i < n) y[i] = a * x[i] + y[i];
      }

      KERNEL void add_int(GLOBAL int* c, GLOBAL const int* a, GLOBAL const int* b, int n) {
        int i = GLOBAL_ID(0);
        if (i < n) c[i] = a[i] + b[i];
      }

      KERNEL void ramp(GLOBAL float* out, long base, float scale) {
        int i = GLOBAL_ID(0);
        out[i] = (float) (base + i) * scale;
      }

      KERNEL void grid(GLOBAL int* out, int width) {
        out[GLOBAL_ID(1) * width + GLOBAL_ID(0)] = 1000 * GLOBAL_ID(1) + GLOBAL_ID(0);
      }

      // One partial sum per group of 64: a tree over local memory.
      KERNEL void group_sums(GLOBAL float* sums, GLOBAL const float* x) {
        LOCAL_MEM float part[64];
        int t = LOCAL_ID(0);
        part[t] = x[GLOBAL_ID(0)];
        BARRIER();
        for (int stride = LOCAL_SIZE(0) / 2; stride > 0; stride /= 2) {
          if (t < stride) part[t] += part[t + stride];
          BARRIER();
        }
        if (t == 0) sums[GROUP_ID(0)] = part[0];
      }
      """;

  @TempDir
  static Path cacheDir;

  private static String previousCacheDir;
  private static OpenClDevice device;
  private static Device.Program program;

  @BeforeAll
  static void open() {
    previousCacheDir = System.getProperty(ProgramCache.DIR_PROPERTY);
    System.setProperty(ProgramCache.DIR_PROPERTY, cacheDir.toString());
    device = OpenClProviderTest.openOrSkip();
    program = device.build(KERNELS, "");
  }

  @AfterAll
  static void close() {
    if (device != null) {
      device.close();
    }
    if (previousCacheDir == null) {
      System.clearProperty(ProgramCache.DIR_PROPERTY);
    } else {
      System.setProperty(ProgramCache.DIR_PROPERTY, previousCacheDir);
    }
  }

  @Test
  void saxpyRoundTripsExactly() {
    int n = 1000; // not a multiple of the group size: the kernel guards i < n
    float[] x = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i - 300;
      y[i] = 2 * i;
    }
    try (Buffer bx = device.allocate(4L * n);
        Buffer by = device.allocate(4L * n)) {
      device.write(bx, 0, x, 0, n);
      device.write(by, 0, y, 0, n);
      program.kernel("saxpy").launch(new long[] {1024}, new long[] {64}, by, bx, 3f, n);
      float[] back = new float[n];
      device.read(by, 0, back, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(3f * x[i] + y[i], back[i], "element " + i);
      }
    }
  }

  @Test
  void intVectorAddAndPartialRanges() {
    int n = 300;
    int[] a = new int[n];
    int[] b = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i * 7 - 1000;
      b[i] = Integer.MAX_VALUE / 2 - i;
    }
    try (Buffer ba = device.allocate(4L * n);
        Buffer bb = device.allocate(4L * n);
        Buffer bc = device.allocate(4L * n)) {
      // Two halves from the middle of larger arrays, at element offsets.
      int[] padded = new int[n + 10];
      System.arraycopy(a, 0, padded, 10, n);
      device.write(ba, 0, padded, 10, 100);
      device.write(ba, 100, padded, 110, n - 100);
      device.write(bb, 0, b, 0, n);
      program.kernel("add_int").launch(new long[] {n}, null, bc, ba, bb, n);
      int[] c = new int[n];
      device.read(bc, 0, c, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(a[i] + b[i], c[i], "element " + i);
      }
      int[] tail = new int[5];
      device.read(bc, n - 5, tail, 0, 5);
      assertArrayEquals(Arrays.copyOfRange(c, n - 5, n), tail);
    }
  }

  @Test
  void longAndFloatArguments() {
    long base = 5_000_000_000L; // above 2^32: a truncated long would show
    float scale = 0.5f;
    try (Buffer out = device.allocate(4 * 64)) {
      program.kernel("ramp").launch(new long[] {64}, new long[] {16}, out, base, scale);
      float[] back = new float[64];
      device.read(out, 0, back, 0, 64);
      for (int i = 0; i < 64; i++) {
        assertEquals((float) (base + i) * scale, back[i], "element " + i);
      }
    }
  }

  @Test
  void twoDimensionalLaunch() {
    int w = 32;
    int h = 8;
    try (Buffer out = device.allocate(4L * w * h)) {
      program.kernel("grid").launch(new long[] {w, h}, new long[] {8, 4}, out, w);
      int[] back = new int[w * h];
      device.read(out, 0, back, 0, w * h);
      for (int yy = 0; yy < h; yy++) {
        for (int xx = 0; xx < w; xx++) {
          assertEquals(1000 * yy + xx, back[yy * w + xx]);
        }
      }
    }
  }

  @Test
  void localMemoryReduction() {
    int groups = 16;
    int n = 64 * groups;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (i * 37) % 101 - 50; // small integers: every partial sum is exact
    }
    try (Buffer bx = device.allocate(4L * n);
        Buffer sums = device.allocate(4L * groups)) {
      device.write(bx, 0, x, 0, n);
      program.kernel("group_sums").launch(new long[] {n}, new long[] {64}, sums, bx);
      device.finish();
      float[] back = new float[groups];
      device.read(sums, 0, back, 0, groups);
      for (int g = 0; g < groups; g++) {
        float expected = 0;
        for (int i = 0; i < 64; i++) {
          expected += x[g * 64 + i];
        }
        assertEquals(expected, back[g], "group " + g);
      }
    }
  }

  @Test
  void syntaxErrorGivesTheCompilerLog() {
    String bad = """
        KERNEL void broken(GLOBAL float* y) {
          y[GLOBAL_ID(0)] = undeclared_kiln_thing;
        }
        """;
    DeviceException e = assertThrows(DeviceException.class, () -> device.build(bad, ""));
    assertTrue(e.getMessage().contains("did not build on " + device.name()), e.getMessage());
    assertTrue(e.getMessage().contains("undeclared_kiln_thing"), e.getMessage());
    // Line numbers count lines of the caller's source, not of the prelude prepended to it.
    assertTrue(e.getMessage().contains(":2:"), e.getMessage());
  }

  @Test
  void unknownKernelName() {
    DeviceException e = assertThrows(DeviceException.class, () -> program.kernel("no_such_kernel"));
    assertTrue(e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
    assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
  }

  @Test
  void kernelsAreMadeOncePerName() {
    assertTrue(program.kernel("saxpy") == program.kernel("saxpy"));
  }

  @Test
  void badLaunchesSayWhatIsWrong() {
    Kernel saxpy = program.kernel("saxpy");
    try (Buffer b = device.allocate(4 * 64)) {
      long[] g = {64};
      String count = assertThrows(DeviceException.class, () -> saxpy.launch(g, null, b, b, 1f))
          .getMessage();
      assertTrue(count.contains("saxpy takes 4 arguments, got 3"), count);
      String type = assertThrows(DeviceException.class, () -> saxpy.launch(g, null, b, b, "2", 64))
          .getMessage();
      assertTrue(type.contains("argument 2 is a String"), type);
      String multiple = assertThrows(
              DeviceException.class,
              () -> saxpy.launch(new long[] {100}, new long[] {64}, b, b, 1f, 64))
          .getMessage();
      assertTrue(multiple.contains("must be a multiple of the local size 64"), multiple);
      String size = assertThrows(DeviceException.class, () -> saxpy.launch(g, null, b, b, 1.0, 64))
          .getMessage();
      assertTrue(size.contains("argument 2 is a Double"), size);
    }
  }

  @Test
  void allocationLargerThanTheDeviceAllowsIsRefused() {
    DeviceException tooBig =
        assertThrows(DeviceException.class, () -> device.allocate(device.memoryBytes() + 1));
    assertTrue(tooBig.getMessage().contains("global memory"), tooBig.getMessage());
    long maxAlloc = device.cl.deviceLong(device.device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
    if (maxAlloc < device.memoryBytes()) {
      DeviceException single =
          assertThrows(DeviceException.class, () -> device.allocate(maxAlloc + 1));
      assertTrue(single.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), single.getMessage());
    }
  }

  @Test
  void copiesOutsideTheBufferOrArrayAreRefused() {
    try (Buffer b = device.allocate(16)) {
      float[] four = new float[4];
      String past = assertThrows(DeviceException.class, () -> device.read(b, 0, new float[5], 0, 5))
          .getMessage();
      assertTrue(past.contains("read of 5 floats at element 0 does not fit a buffer of 4"), past);
      assertThrows(DeviceException.class, () -> device.read(b, 1, four, 0, 4));
      assertThrows(DeviceException.class, () -> device.write(b, -1, four, 0, 1));
      String array = assertThrows(DeviceException.class, () -> device.write(b, 0, four, 2, 3))
          .getMessage();
      assertTrue(array.contains("source array has 4 floats"), array);
      device.read(b, 4, four, 0, 0); // an empty copy at the end is fine
    }
  }

  @Test
  void closedBuffersAndDevicesAreRefused() {
    Buffer b = device.allocate(16);
    b.close();
    b.close();
    assertThrows(DeviceException.class, () -> device.read(b, 0, new float[1], 0, 1));

    OpenClDevice other = OpenClProviderTest.openOrSkip();
    Buffer foreign = other.allocate(16);
    assertThrows(DeviceException.class, () -> device.write(foreign, 0, new int[1], 0, 1));
    other.close();
    other.close();
    assertThrows(DeviceException.class, () -> other.allocate(16));
    foreign.close(); // after its device: nothing to do
  }

  @Test
  void largeCopiesGoThroughStagingInChunks() {
    int n = (9 << 20) / 4 + 3; // more than two staging chunks, not a whole number of them
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
    }
    try (Buffer b = device.allocate(4L * n)) {
      device.write(b, 0, x, 0, n);
      float[] back = new float[n];
      device.read(b, 0, back, 0, n);
      assertArrayEquals(x, back);
    }
  }
}
