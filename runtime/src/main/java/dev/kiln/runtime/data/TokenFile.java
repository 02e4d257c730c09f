package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.io.AtomicFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A token file, memory-mapped: Kiln's format ({@code "KILNTOK1"}, int32 bytes per token 2 or 4,
 * int64 count, then little-endian uint16 or uint32 ids) or llm.c's ({@code 256 int32} header with
 * magic 20240520 and the count at index 2, then uint16 ids), so datasets prepared for llm.c train
 * here unchanged.
 */
public final class TokenFile implements TokenStream, AutoCloseable {
  private static final byte[] MAGIC =
      "KILNTOK1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int LLMC_MAGIC = 20240520;
  private static final int LLMC_HEADER = 256 * 4;

  private final Path path;
  private final Arena arena;
  private final MemorySegment data;
  private final int width;
  private final long count;

  private TokenFile(Path path, Arena arena, MemorySegment data, int width, long count) {
    this.path = path;
    this.arena = arena;
    this.data = data;
    this.width = width;
    this.count = count;
  }

  /** Opens and validates a token file (either format). */
  public static TokenFile open(Path path) {
    long size;
    try {
      size = Files.size(path);
    } catch (IOException e) {
      throw new KilnException(path + ": cannot read token file (" + e.getMessage() + ")");
    }
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      MemorySegment all =
          size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      if (size >= MAGIC.length && startsWith(all, MAGIC)) {
        if (size < 20) {
          throw new KilnException(
              path + ": truncated Kiln token file (" + size + " bytes; the header alone is 20)");
        }
        int width = all.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8);
        long count =
            all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 12);
        if (width != 2 && width != 4) {
          throw new KilnException(path + ": token width " + width + " (must be 2 or 4 bytes)");
        }
        if (count < 0 || count > (size - 20) / width || 20 + count * width != size) {
          throw new KilnException(path + ": header says " + count + " tokens of " + width
              + " bytes, but the file has " + (size - 20) + " data bytes");
        }
        return new TokenFile(path, arena, all.asSlice(20), width, count);
      }
      if (size >= LLMC_HEADER
          && all.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)
              == LLMC_MAGIC) {
        long count = Integer.toUnsignedLong(
            all.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
        if (LLMC_HEADER + count * 2 != size) {
          throw new KilnException(path + ": llm.c header says " + count
              + " tokens, but the file has " + (size - LLMC_HEADER) + " data bytes");
        }
        return new TokenFile(path, arena, all.asSlice(LLMC_HEADER), 2, count);
      }
      throw new KilnException(
          path + ": not a token file (expected Kiln's KILNTOK1 header or llm.c's magic 20240520)");
    } catch (IOException e) {
      arena.close();
      throw new KilnException(path + ": cannot map token file (" + e.getMessage() + ")");
    } catch (KilnException e) {
      arena.close();
      throw e;
    }
  }

  private static boolean startsWith(MemorySegment s, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** Writes {@code tokens} in Kiln's format (uint16 when every id fits, else uint32), atomically. */
  public static void write(Path path, int[] tokens) {
    int max = 0;
    for (int t : tokens) {
      if (t < 0) {
        throw new IllegalArgumentException("negative token id " + t);
      }
      max = Math.max(max, t);
    }
    int width = max < 65536 ? 2 : 4;
    ByteBuffer buf = ByteBuffer.allocate(20 + tokens.length * width).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).putInt(width).putLong(tokens.length);
    for (int t : tokens) {
      if (width == 2) {
        buf.putShort((short) t);
      } else {
        buf.putInt(t);
      }
    }
    try {
      AtomicFiles.writeBytes(path, buf.array());
    } catch (IOException e) {
      throw new KilnException(e.getMessage(), e);
    }
  }

  @Override
  public long size() {
    return count;
  }

  @Override
  public void read(long offset, int[] dst, int dstOff, int len) {
    if (offset < 0 || offset + len > count) {
      throw new IndexOutOfBoundsException(
          "tokens " + offset + ".." + (offset + len) + " of " + count);
    }
    for (int i = 0; i < len; i++) {
      long at = (offset + i) * width;
      dst[dstOff + i] = width == 2
          ? Short.toUnsignedInt(
              data.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at))
          : data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
    }
  }

  /** The largest id in the file (a full scan), to check it against a model's vocabulary. */
  public int maxId() {
    int max = 0;
    int[] buf = new int[65536];
    for (long off = 0; off < count; off += buf.length) {
      int n = (int) Math.min(buf.length, count - off);
      read(off, buf, 0, n);
      for (int i = 0; i < n; i++) {
        max = Math.max(max, buf[i]);
      }
    }
    return max;
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    arena.close();
  }
}
