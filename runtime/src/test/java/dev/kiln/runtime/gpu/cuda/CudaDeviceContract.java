package dev.kiln.runtime.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.Device.Buffer;
import dev.kiln.runtime.gpu.Device.Kernel;
import dev.kiln.runtime.gpu.DeviceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a CUDA device must do, run against the real driver ({@link CudaDeviceGpuTest}) and against a
 * stand-in library ({@link CudaFakeDriverTest}): copies, launches, local memory, build errors, memory
 * limits and the PTX cache. A subclass that cannot open its device skips every test, saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CudaDeviceContract {
  Device device;
  Path cacheDir;
  private String skipReason;

  /** Why this machine cannot run the tests, or null. */
  abstract String skipReason();

  /** Opens the device under test (called with {@code kiln.cache.dir} set to a fresh folder). */
  abstract Device open();

  @BeforeAll
  void openDevice() throws IOException {
    skipReason = skipReason();
    if (skipReason != null) {
      return;
    }
    cacheDir = Files.createTempDirectory("kiln-cuda-test");
    // The device reads the cache folder when it opens: keep test PTX out of ~/.cache.
    String before = System.getProperty("kiln.cache.dir");
    System.setProperty("kiln.cache.dir", cacheDir.toString());
    try {
      device = open();
    } finally {
      restore("kiln.cache.dir", before);
    }
  }

  static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }

  @AfterAll
  void closeDevice() throws IOException {
    if (device != null) {
      device.close();
      assertDoesNotThrow(device::close, "closing twice is harmless");
    }
    if (cacheDir != null) {
      try (Stream<Path> s = Files.walk(cacheDir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** Per test rather than in openDevice(), so each skipped test is reported with the reason. */
  @BeforeEach
  void requireDevice() {
    assumeTrue(device != null, skipReason);
  }

  static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() * 2 - 1;
    }
    return a;
  }

  @Test
  void describesItself() {
    assertEquals("cuda", device.backend());
    assertTrue(device.memoryBytes() > 0);
    assertTrue(!device.name().isBlank());
  }

  @Test
  void vectorAddRoundTrip() {
    int n = 1000;
    float[] a = random(n, 1);
    float[] b = random(n, 2);
    try (Buffer da = device.allocate(4L * n);
        Buffer db = device.allocate(4L * n);
        Buffer dc = device.allocate(4L * n)) {
      device.write(da, 0, a, 0, n);
      device.write(db, 0, b, 0, n);
      Kernel vadd = device.build(TestKernels.VADD, "").kernel("vadd");
      // 1000 items in groups of 128: 8 groups, the last one partly idle.
      vadd.launch(new long[] {1024}, new long[] {128}, da, db, dc, n);
      device.finish();
      float[] c = new float[n];
      device.read(dc, 0, c, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(a[i] + b[i], c[i], 0f, "element " + i);
      }
      // Offsets on both sides: 10 floats from a[5..] to element 100, read back into c[3..].
      device.write(dc, 100, a, 5, 10);
      float[] part = new float[13];
      device.read(dc, 100, part, 3, 10);
      for (int i = 0; i < 10; i++) {
        assertEquals(a[5 + i], part[3 + i], 0f);
      }
    }
  }

  @Test
  void localMemoryReduction() {
    int n = 256 * 37 + 11;
    float[] x = random(n, 3);
    int groups = (n + 255) / 256;
    try (Buffer dx = device.allocate(4L * n);
        Buffer dout = device.allocate(4L * groups)) {
      device.write(dx, 0, x, 0, n);
      device
          .build(TestKernels.BLOCK_SUM, null)
          .kernel("block_sum")
          .launch(new long[] {256L * groups}, new long[] {256}, dx, dout, n);
      float[] out = new float[groups];
      device.read(dout, 0, out, 0, groups);
      for (int g = 0; g < groups; g++) {
        double ref = 0;
        for (int i = g * 256; i < Math.min(n, (g + 1) * 256); i++) {
          ref += x[i];
        }
        assertEquals(ref, out[g], 1e-4, "group " + g);
      }
    }
  }

  @Test
  void intBuffersAndScalarArguments() {
    int n = 64;
    float[] x = random(n, 4);
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = (i * 7) % n;
    }
    try (Buffer di = device.allocate(4L * n);
        Buffer dx = device.allocate(4L * n);
        Buffer dy = device.allocate(4L * n)) {
      device.write(di, 0, idx, 0, n);
      device.write(dx, 0, x, 0, n);
      device
          .build(TestKernels.GATHER, "-D UNUSED=1")
          .kernel("gather")
          // n as a long above 2^32 (every item is below it): a truncated long would read as 0.
          .launch(new long[] {n}, new long[] {32}, di, dx, dy, 0.5f, 1L << 32, 0);
      float[] y = new float[n];
      device.read(dy, 0, y, 0, n);
      float[] ref = new float[n];
      for (int i = 0; i < n; i++) {
        ref[i] = x[idx[i]] * 0.5f;
      }
      assertArrayEquals(ref, y, 0f);
    }
  }

  @Test
  void buildFailureShowsTheNvrtcLog() {
    DeviceException e =
        assertThrows(DeviceException.class, () -> device.build(TestKernels.BROKEN, ""));
    assertTrue(e.getMessage().contains("kernel.cu(2): error"), e.getMessage());
  }

  @Test
  void unknownKernelNamesTheOnesThereAre() {
    Device.Program p = device.build(TestKernels.VADD, "");
    DeviceException e = assertThrows(DeviceException.class, () -> p.kernel("vsub"));
    assertTrue(e.getMessage().contains("no kernel named 'vsub'"), e.getMessage());
    assertTrue(e.getMessage().contains("it has: vadd"), e.getMessage());
  }

  @Test
  void oversizeAllocationSaysOutOfMemory() {
    long tooMuch = device.memoryBytes() * 2;
    DeviceException e = assertThrows(DeviceException.class, () -> device.allocate(tooMuch));
    assertTrue(e.getMessage().contains("out of device memory"), e.getMessage());
  }

  @Test
  void boundsAreChecked() {
    try (Buffer b = device.allocate(16)) {
      float[] host = new float[8];
      assertThrows(DeviceException.class, () -> device.write(b, 0, host, 0, 5));
      assertThrows(DeviceException.class, () -> device.write(b, 2, host, 0, 3));
      assertThrows(DeviceException.class, () -> device.read(b, 0, host, 6, 4));
      assertThrows(DeviceException.class, () -> device.read(b, -1, host, 0, 1));
      device.write(b, 0, host, 4, 4);
    }
  }

  @Test
  void wrongLaunchArgumentsAreNamed() {
    Kernel vadd = device.build(TestKernels.VADD, "").kernel("vadd");
    DeviceException e = assertThrows(
        DeviceException.class, () -> vadd.launch(new long[] {32}, new long[] {32}, "a", 1.0, 2, 3));
    assertTrue(e.getMessage().contains("argument 0 is a String"), e.getMessage());
    // A block larger than any GPU allows: the driver's error, named.
    try (Buffer a = device.allocate(4)) {
      DeviceException big = assertThrows(
          DeviceException.class,
          () -> vadd.launch(new long[] {1 << 20}, new long[] {1 << 20}, a, a, a, 1));
      assertTrue(big.getMessage().contains("CUDA_ERROR_"), big.getMessage());
    }
  }

  @Test
  void ptxIsCachedAndDamagedEntriesAreRebuilt() throws IOException {
    String src = TestKernels.VADD + "\n// cache test\n";
    device.build(src, "");
    List<Path> entries;
    try (Stream<Path> s = Files.list(cacheDir.resolve("cuda"))) {
      entries = s.toList();
    }
    assertTrue(!entries.isEmpty(), "a .ptx file under " + cacheDir.resolve("cuda"));
    for (Path p : entries) {
      Files.writeString(p, "garbage");
    }
    Kernel k = device.build(src, "").kernel("vadd");
    try (Buffer a = device.allocate(4)) {
      k.launch(new long[] {1}, new long[] {1}, a, a, a, 1);
      device.finish();
    }
  }

  @Test
  void eachCallWorksOnAFreshThread() throws InterruptedException {
    // A context is current per thread: every entry point must make it current itself.
    float[] got = new float[2];
    try (Buffer b = device.allocate(8)) {
      device.write(b, 0, new float[] {40f, 2f}, 0, 2);
      Kernel vadd = device.build(TestKernels.VADD, "").kernel("vadd");
      onFreshThread(() -> vadd.launch(new long[] {1}, new long[] {1}, b, b, b, 1));
      onFreshThread(device::finish);
      onFreshThread(() -> device.read(b, 0, got, 0, 2));
    }
    assertArrayEquals(new float[] {80f, 2f}, got);
  }

  private static void onFreshThread(Runnable r) throws InterruptedException {
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        r.run();
      } catch (Throwable e) {
        failure[0] = e;
      }
    });
    t.start();
    t.join();
    if (failure[0] != null) {
      throw new AssertionError("failed on a fresh thread", failure[0]);
    }
  }
}
