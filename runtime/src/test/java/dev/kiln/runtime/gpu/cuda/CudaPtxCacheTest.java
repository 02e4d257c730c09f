package dev.kiln.runtime.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk PTX cache: round trip, keys, and entries that are damaged or missing. */
class CudaPtxCacheTest {
  @Test
  void roundTrip(@TempDir Path dir) {
    PtxCache cache = new PtxCache(dir.resolve("cuda"));
    String key = PtxCache.key("sm_90", 12040, "13.0", "-arch", "src");
    assertEquals(Optional.empty(), cache.get(key));
    cache.put(key, ".version 9.0\n.entry f()\n");
    assertEquals(Optional.of(".version 9.0\n.entry f()\n"), cache.get(key));
    assertTrue(Files.isRegularFile(dir.resolve("cuda").resolve(key + ".ptx")));
    cache.remove(key);
    assertEquals(Optional.empty(), cache.get(key));
  }

  @Test
  void everyInputChangesTheKey() {
    String k = PtxCache.key("sm_90", 12040, "13.0", "-a", "src");
    assertEquals(64, k.length());
    assertNotEquals(k, PtxCache.key("sm_80", 12040, "13.0", "-a", "src"));
    assertNotEquals(k, PtxCache.key("sm_90", 12050, "13.0", "-a", "src"));
    assertNotEquals(k, PtxCache.key("sm_90", 12040, "12.4", "-a", "src"));
    assertNotEquals(k, PtxCache.key("sm_90", 12040, "13.0", "-b", "src"));
    assertNotEquals(k, PtxCache.key("sm_90", 12040, "13.0", "-a", "src2"));
  }

  @Test
  void damagedEntriesAreIgnored(@TempDir Path dir) throws IOException {
    PtxCache cache = new PtxCache(dir);
    String key = PtxCache.key("sm_90", 12040, "13.0", "", "src");
    cache.put(key, ".entry f()\n");
    Path file = dir.resolve(key + ".ptx");
    Files.writeString(file, Files.readString(file).replace("f()", "g()"));
    assertEquals(Optional.empty(), cache.get(key), "body no longer matches its checksum");
    Files.writeString(file, "");
    assertEquals(Optional.empty(), cache.get(key), "empty file");
    Files.writeString(file, ".entry f()\n");
    assertEquals(Optional.empty(), cache.get(key), "no header");
    cache.put(key, ".entry h()\n");
    assertEquals(Optional.of(".entry h()\n"), cache.get(key), "a rebuild replaces it");
  }

  @Test
  void unwritableFolderIsNotAnError(@TempDir Path dir) throws IOException {
    Path notADir = Files.writeString(dir.resolve("file"), "x");
    PtxCache cache = new PtxCache(notADir.resolve("cuda"));
    cache.put("k", "ptx");
    assertEquals(Optional.empty(), cache.get("k"));
  }
}
