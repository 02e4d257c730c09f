package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path dir;

  @Test
  void writesAndReplaces() throws IOException {
    Path target = dir.resolve("metrics.json");
    AtomicFiles.writeString(target, "{\"step\":1}");
    assertEquals("{\"step\":1}", Files.readString(target));
    AtomicFiles.writeString(target, "{\"step\":2, \"é\":\"😀\"}");
    assertEquals("{\"step\":2, \"é\":\"😀\"}", Files.readString(target));
    assertOnly(target);
  }

  @Test
  void streamBodyMayCloseTheStream() throws IOException {
    Path target = dir.resolve("out.bin");
    byte[] big = new byte[200_000]; // more than the stream's buffer
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    AtomicFiles.write(target, out -> {
      out.write(1);
      out.write(big);
      out.close();
    });
    byte[] back = Files.readAllBytes(target);
    assertEquals(1 + big.length, back.length);
    assertEquals(1, back[0]);
    assertEquals(big[big.length - 1], back[back.length - 1]);
  }

  @Test
  void channelBody() throws IOException {
    Path target = dir.resolve("ch.bin");
    byte[] abc = "abc".getBytes(StandardCharsets.UTF_8);
    AtomicFiles.writeChannel(target, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(abc)));
    assertEquals("abc", Files.readString(target));
  }

  @Test
  void failingBodyLeavesThePreviousFileIntact() throws IOException {
    Path target = dir.resolve("checkpoint.safetensors");
    Files.writeString(target, "old");
    IOException diskFull = new IOException("No space left on device");
    IOException e = assertThrows(
        IOException.class,
        () -> AtomicFiles.write(target, out -> {
          out.write("partial new content".getBytes(StandardCharsets.UTF_8));
          out.flush();
          throw diskFull;
        }));
    assertEquals("could not write " + target + ": No space left on device", e.getMessage());
    assertSame(diskFull, e.getCause());
    assertEquals("old", Files.readString(target));
    assertOnly(target);
  }

  @Test
  void uncheckedExceptionsPassThroughAndStillCleanUp() throws IOException {
    Path target = dir.resolve("state.json");
    Files.writeString(target, "old");
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException e = assertThrows(
        IllegalStateException.class,
        () -> AtomicFiles.writeChannel(target, ch -> {
          AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[100]));
          throw boom;
        }));
    assertSame(boom, e);
    assertEquals("old", Files.readString(target));
    assertOnly(target);
  }

  @Test
  void missingDirectoryIsReportedWithTheTarget() {
    Path target = dir.resolve("nope").resolve("x.json");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
    String prefix = "could not write " + target + ": no such file or directory: ";
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  @Test
  void targetThatIsANonEmptyDirectoryIsNotReplaced() throws IOException {
    Path target = Files.createDirectory(dir.resolve("taken"));
    Files.writeString(target.resolve("keep"), "keep");
    IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
    assertTrue(e.getMessage().startsWith("could not write " + target + ": "), e.getMessage());
    assertEquals("keep", Files.readString(target.resolve("keep")));
    assertOnly(target);
  }

  @Test
  void emptyBodyWritesAnEmptyFile() throws IOException {
    Path target = dir.resolve("empty");
    AtomicFiles.write(target, (OutputStream out) -> {});
    assertEquals(0, Files.size(target));
  }

  /** Nothing but {@code expected} in the directory: no temporary file was left behind. */
  private void assertOnly(Path expected) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(expected), files.toList());
    }
  }
}
