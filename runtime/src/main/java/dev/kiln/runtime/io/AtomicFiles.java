package dev.kiln.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a crash or error at any point leaves either the complete old file or the
 * complete new one, never a torn mix: the body fills a temporary file in the target's directory
 * (named {@code .<name>.<random>.tmp}), which is forced to disk, atomically renamed over the
 * target, and then the directory is forced so that the rename itself survives a power loss.
 *
 * <p>On failure the temporary file is deleted and the target untouched. IOExceptions are rethrown
 * as an IOException whose message names the target ("could not write ckpt.safetensors: No space
 * left on device") with the original as cause; unchecked exceptions from the body pass unchanged.
 */
public final class AtomicFiles {
  private static final int BUFFER_SIZE = 1 << 16;

  private AtomicFiles() {}

  /** Writes {@code target} from a buffered stream; the body may close the stream or not. */
  public static void write(Path target, IOConsumer<? super OutputStream> body) throws IOException {
    writeChannel(target, channel -> {
      OutputStream out = new BufferedOutputStream(new ChannelStream(channel), BUFFER_SIZE);
      body.accept(out);
      out.flush();
    });
  }

  /** Writes {@code target} through a FileChannel open for writing; the body must not close it. */
  public static void writeChannel(Path target, IOConsumer<? super FileChannel> body)
      throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    if (dir == null || absolute.getFileName() == null) {
      throw new IOException("could not write " + target + ": it has no parent directory");
    }
    Path temp = null;
    try {
      FileChannel channel = null;
      for (int attempt = 0; channel == null; attempt++) {
        Path candidate = tempName(dir, absolute.getFileName().toString());
        try {
          channel =
              FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          temp = candidate; // only now is it ours to delete
        } catch (FileAlreadyExistsException taken) {
          if (attempt == 9) {
            throw taken;
          }
        }
      }
      try (FileChannel c = channel) {
        body.accept(c);
        c.force(true);
      }
      // On POSIX this is rename(2), which replaces the target atomically.
      Files.move(
          temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
    } catch (Throwable t) {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          t.addSuppressed(e);
        }
      }
      if (t instanceof IOException e) {
        throw new IOException("could not write " + target + ": " + IoErrors.describe(e), e);
      }
      throw t;
    }
    forceDirectory(dir);
  }

  /** Writes {@code text} as UTF-8. */
  public static void writeString(Path target, String text) throws IOException {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes}. */
  public static void writeBytes(Path target, byte[] bytes) throws IOException {
    writeChannel(target, channel -> writeFully(channel, ByteBuffer.wrap(bytes)));
  }

  /** Writes all of {@code buffer}: a channel may write less than asked. */
  static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static Path tempName(Path dir, String name) {
    // Long names are shortened so that the temp name stays within the usual 255-byte limit.
    String stem = name.codePointCount(0, name.length()) > 100
        ? name.substring(0, name.offsetByCodePoints(0, 100))
        : name;
    return dir.resolve(
        "." + stem + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException unsupported) {
      // Some platforms (Windows) cannot open or sync a directory; the data itself is already
      // durable.
    }
  }

  /** A stream onto the channel whose close() only flushes: the channel is closed by writeChannel. */
  private static final class ChannelStream extends OutputStream {
    private final FileChannel channel;

    ChannelStream(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void write(int b) throws IOException {
      writeFully(channel, ByteBuffer.wrap(new byte[] {(byte) b}));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writeFully(channel, ByteBuffer.wrap(b, off, len));
    }
  }
}
