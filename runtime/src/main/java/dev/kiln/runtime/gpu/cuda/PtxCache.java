package dev.kiln.runtime.gpu.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Built PTX on disk, one file per key under {@code <cache>/cuda/}, so a model's kernels compile once
 * per machine. The cache folder is {@code -Dkiln.cache.dir}, else {@code -Dkiln.cache} or
 * {@code $KILN_CACHE} (where the CLI keeps compiled models), else {@code ~/.cache/kiln}. Each file
 * starts with a checksum line of its body; a file that does not match (a torn or edited entry) is
 * ignored and rebuilt. The cache is an optimisation only: any I/O failure just means a rebuild.
 */
final class PtxCache {
  private static final String HEADER = "// kiln-ptx sha256 ";

  private final Path dir;

  PtxCache(Path dir) {
    this.dir = dir;
  }

  static PtxCache fromSystem() {
    return new PtxCache(root().resolve("cuda"));
  }

  private static Path root() {
    for (String p : new String[] {"kiln.cache.dir", "kiln.cache"}) {
      String v = System.getProperty(p);
      if (v != null && !v.isBlank()) {
        return Path.of(v);
      }
    }
    String env = System.getenv("KILN_CACHE");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "kiln");
  }

  Path dir() {
    return dir;
  }

  /** The key of one build: everything that can change the PTX or whether the driver accepts it. */
  static String key(
      String device, int driverVersion, String nvrtcVersion, String options, String src) {
    return sha256("device="
        + device
        + "\ndriver="
        + driverVersion
        + "\nnvrtc="
        + nvrtcVersion
        + "\noptions="
        + options
        + "\n\n"
        + src);
  }

  Optional<String> get(String key) {
    Path file = dir.resolve(key + ".ptx");
    try {
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      int eol = text.indexOf('\n');
      if (!text.startsWith(HEADER) || eol < 0) {
        return Optional.empty();
      }
      String body = text.substring(eol + 1);
      return text.substring(HEADER.length(), eol).equals(sha256(body))
          ? Optional.of(body)
          : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Writes to a temporary file and renames it, so readers never see half an entry. */
  void put(String key, String ptx) {
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, key, ".tmp");
      Files.writeString(tmp, HEADER + sha256(ptx) + "\n" + ptx, StandardCharsets.UTF_8);
      Path file = dir.resolve(key + ".ptx");
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      // A read-only or full disk: the PTX is still used, just not kept.
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // Nothing more to do.
        }
      }
    }
  }

  /** Drops an entry the driver refused (built by a different toolchain that hashed the same). */
  void remove(String key) {
    try {
      Files.deleteIfExists(dir.resolve(key + ".ptx"));
    } catch (IOException e) {
      // Left for the next put to overwrite.
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
