package dev.kiln.runtime.gpu.opencl;

import dev.kiln.runtime.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Built program binaries on disk, one file per program named by the SHA-256 of everything that
 * decides the binary (platform, device, driver version, options, full source). A file holds a magic
 * word, the SHA-256 of the binary and the binary, so a torn or corrupted file is recognised and
 * never handed to the driver. The cache is an optimisation: a file that cannot be read or written is
 * ignored.
 */
final class ProgramCache {
  static final String DIR_PROPERTY = "kiln.cache.dir";
  private static final byte[] MAGIC = "KILNCL01".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = MAGIC.length + 32;

  private final Path dir;

  /** A cache in {@code base/opencl}. */
  ProgramCache(Path base) {
    this.dir = base.resolve("opencl");
  }

  /** The directory named by {@code kiln.cache.dir} (read now), by default {@code ~/.cache/kiln}. */
  static Path defaultDir() {
    String dir = System.getProperty(DIR_PROPERTY);
    return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "kiln");
  }

  /** The file for a program identified by {@code parts}. */
  Path file(String... parts) {
    MessageDigest sha = sha256();
    for (String part : parts) {
      sha.update(part.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0); // so that ("ab", "c") and ("a", "bc") differ
    }
    return dir.resolve(HexFormat.of().formatHex(sha.digest()) + ".bin");
  }

  /** The binary stored in {@code file}, or null if there is none or it is damaged. */
  static byte[] read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return null;
    }
    if (bytes.length <= HEADER || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    byte[] binary = Arrays.copyOfRange(bytes, HEADER, bytes.length);
    byte[] digest = sha256().digest(binary);
    return Arrays.equals(bytes, MAGIC.length, HEADER, digest, 0, digest.length) ? binary : null;
  }

  /** Stores {@code binary} in {@code file} atomically; returns false if it could not. */
  static boolean write(Path file, byte[] binary) {
    byte[] bytes = new byte[HEADER + binary.length];
    System.arraycopy(MAGIC, 0, bytes, 0, MAGIC.length);
    System.arraycopy(sha256().digest(binary), 0, bytes, MAGIC.length, 32);
    System.arraycopy(binary, 0, bytes, HEADER, binary.length);
    try {
      Files.createDirectories(file.getParent());
      AtomicFiles.writeBytes(file, bytes);
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // a read-only or full disk costs a rebuild next time, nothing more
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
