package dev.kiln.runtime.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.gpu.Device.Buffer;
import dev.kiln.runtime.gpu.Device.Program;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk program cache: hits in a fresh device, and damaged entries rebuilt. */
class OpenClProgramCacheTest {
  private static final String SOURCE = """
      KERNEL void triple(GLOBAL int* x) {
        int i = GLOBAL_ID(0);
        x[i] = 3 * x[i] + 1;
      }
      """;

  @TempDir
  Path cacheDir;

  private String previous;

  @BeforeEach
  void useTempCache() {
    previous = System.getProperty(ProgramCache.DIR_PROPERTY);
    System.setProperty(ProgramCache.DIR_PROPERTY, cacheDir.toString());
  }

  @AfterEach
  void restore() {
    if (previous == null) {
      System.clearProperty(ProgramCache.DIR_PROPERTY);
    } else {
      System.setProperty(ProgramCache.DIR_PROPERTY, previous);
    }
  }

  /** Builds {@code SOURCE} in a fresh device, checks the kernel, says whether it hit the cache. */
  private static boolean buildInFreshDevice(String options) {
    try (OpenClDevice device = OpenClProviderTest.openOrSkip()) {
      Program program = device.build(SOURCE, options);
      try (Buffer b = device.allocate(16)) {
        device.write(b, 0, new int[] {0, 1, -2, 100}, 0, 4);
        program.kernel("triple").launch(new long[] {4}, new long[] {4}, b);
        int[] back = new int[4];
        device.read(b, 0, back, 0, 4);
        assertArrayEquals(new int[] {1, 4, -5, 301}, back);
      }
      return device.lastBuildFromCache();
    }
  }

  private List<Path> entries() throws IOException {
    Path dir = cacheDir.resolve("opencl");
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Test
  void secondBuildInAFreshDeviceLoadsTheCachedBinary() throws IOException {
    assertFalse(buildInFreshDevice(""));
    List<Path> files = entries();
    assertEquals(1, files.size(), files.toString());
    assertTrue(files.getFirst().getFileName().toString().matches("[0-9a-f]{64}\\.bin"));
    assertTrue(buildInFreshDevice(""));

    // Other options are another program.
    assertFalse(buildInFreshDevice("-cl-fast-relaxed-math"));
    assertEquals(2, entries().size());
  }

  @Test
  void corruptedEntryIsRebuilt() throws IOException {
    assertFalse(buildInFreshDevice(""));
    Path file = entries().getFirst();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(file, bytes);

    assertFalse(buildInFreshDevice(""));
    assertNotNull(ProgramCache.read(file), "the rebuilt binary replaced the corrupt one");
    assertTrue(buildInFreshDevice(""));
  }

  @Test
  void entryTheDriverRejectsIsRebuilt() throws IOException {
    assertFalse(buildInFreshDevice(""));
    Path file = entries().getFirst();
    // Intact as a cache file, but not a binary this driver can load.
    assertTrue(ProgramCache.write(file, "not a program".getBytes(StandardCharsets.UTF_8)));
    assertFalse(buildInFreshDevice(""));
    assertTrue(buildInFreshDevice(""));
  }

  @Test
  void damagedFilesReadAsMissing() throws IOException {
    Path file = cacheDir.resolve("x.bin");
    assertNull(ProgramCache.read(file));
    assertTrue(ProgramCache.write(file, new byte[] {1, 2, 3}));
    assertArrayEquals(new byte[] {1, 2, 3}, ProgramCache.read(file));
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 1));
    assertNull(ProgramCache.read(file), "truncated");
    Files.write(file, new byte[0]);
    assertNull(ProgramCache.read(file), "empty");
  }
}
