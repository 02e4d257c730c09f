package dev.kiln.runtime.io;

import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.json.JsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a safetensors file from named Kiln tensors and string metadata, and writes it atomically.
 *
 * <p>The header lists tensors in insertion order, after {@code __metadata__} (when there is any; its
 * keys sorted), and is
 * padded with spaces to a multiple of 8 bytes, as the reference implementation does. The data
 * section stores 8-byte dtypes before 4-byte ones (insertion order within each), so that every
 * tensor is naturally aligned for readers that map the file. Tensors are not copied: do not
 * modify them between {@link #add} and {@link #write}.
 */
public final class SafetensorsWriter {
  private static final int CHUNK = 1 << 20;

  private final Map<String, Part> tensors = new LinkedHashMap<>();

  /**
   * One tensor's data: {@code count} elements of {@code data} (a float[], double[] or int[]) from
   * {@code offset}, so that a slice of a large flat buffer is written without copying it.
   */
  private record Part(Tensor.DType dtype, int[] shape, Object data, int offset, long count) {}
  // Sorted, so a file's bytes do not depend on the iteration order of the caller's map (Map.of's
  // differs from one JVM to the next): the same model state always gives the same file.
  private final Map<String, String> metadata = new java.util.TreeMap<>();

  /** Adds a tensor; names must be unique, valid Unicode, and not {@code __metadata__}. */
  public SafetensorsWriter add(String name, Tensor tensor) {
    Objects.requireNonNull(tensor);
    Object data =
        switch (tensor) {
          case Tensor.F32 f -> f.data();
          case Tensor.F64 d -> d.data();
          case Tensor.I32 i -> i.data();
        };
    return put(name, new Part(tensor.dtype(), tensor.shape(), data, 0, tensor.size()));
  }

  /**
   * Adds a float32 tensor of {@code shape} whose elements are {@code buffer[offset ..]}, without
   * copying them (do not modify the buffer before {@link #write}).
   */
  public SafetensorsWriter addSlice(String name, int[] shape, float[] buffer, int offset) {
    long count = Tensor.count(shape);
    if (offset < 0 || offset + count > buffer.length) {
      throw new IllegalArgumentException(
          "slice [" + offset + ", " + (offset + count) + ") outside a buffer of " + buffer.length);
    }
    return put(name, new Part(Tensor.DType.F32, shape.clone(), buffer, offset, count));
  }

  private SafetensorsWriter put(String name, Part part) {
    checkText(name);
    if (name.equals(SafetensorsHeader.METADATA_KEY)) {
      throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
    }
    if (tensors.putIfAbsent(name, part) != null) {
      throw new IllegalArgumentException("duplicate tensor name " + SafetensorsHeader.quote(name));
    }
    return this;
  }

  /** Sets a {@code __metadata__} entry (replacing an earlier value for the key). */
  public SafetensorsWriter metadata(String key, String value) {
    checkText(key);
    checkText(value);
    metadata.put(key, value);
    return this;
  }

  /** Writes the file atomically (see {@link AtomicFiles}); failures are SafetensorsExceptions. */
  public void write(Path target) {
    byte[] header = header(target);
    try {
      AtomicFiles.writeChannel(target, channel -> writeTo(channel, header));
    } catch (IOException e) {
      IOException reason = e.getCause() instanceof IOException cause ? cause : e;
      throw new SafetensorsException(target, "could not write: " + IoErrors.describe(reason), e);
    }
  }

  /** The file's bytes, for files small enough to hold in memory. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(Channels.newChannel(out), header(Path.of("<memory>")));
    } catch (IOException e) {
      throw new AssertionError("ByteArrayOutputStream does not fail", e);
    }
    return out.toByteArray();
  }

  /** The tensors in data order: widest elements first, so each lands on a multiple of its size. */
  private List<Map.Entry<String, Part>> layout() {
    List<Map.Entry<String, Part>> order = new ArrayList<>(tensors.entrySet());
    order.sort(Comparator.comparingInt((Map.Entry<String, Part> e) -> -elementSize(e.getValue())));
    return order;
  }

  private byte[] header(Path target) {
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long offset = 0;
    for (Map.Entry<String, Part> e : layout()) {
      long bytes = e.getValue().count() * elementSize(e.getValue());
      offsets.put(e.getKey(), new long[] {offset, offset + bytes});
      offset += bytes;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      json.put(SafetensorsHeader.METADATA_KEY, metadata);
    }
    tensors.forEach((name, t) -> {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", t.dtype().name());
      entry.put("shape", t.shape());
      entry.put("data_offsets", offsets.get(name));
      json.put(name, entry);
    });
    byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
    int padded = (text.length + 7) & ~7;
    if (padded > Safetensors.MAX_HEADER_BYTES) {
      throw new SafetensorsException(
          target,
          "header of " + padded + " bytes exceeds the limit of " + Safetensors.MAX_HEADER_BYTES
              + " bytes");
    }
    byte[] header = new byte[padded];
    System.arraycopy(text, 0, header, 0, text.length);
    Arrays.fill(header, text.length, padded, (byte) ' ');
    return header;
  }

  private void writeTo(WritableByteChannel channel, byte[] header) throws IOException {
    ByteBuffer prefix =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
    AtomicFiles.writeFully(channel, prefix);
    AtomicFiles.writeFully(channel, ByteBuffer.wrap(header));
    ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    for (Map.Entry<String, Part> e : layout()) {
      Part t = e.getValue();
      int size = elementSize(t);
      int length = Math.toIntExact(t.count());
      for (int i = 0; i < length; ) {
        int n = Math.min(length - i, CHUNK / size);
        buffer.clear();
        // The typed views share the buffer's little-endian order; they do not move its position.
        switch (t.data()) {
          case float[] f -> buffer.asFloatBuffer().put(f, t.offset() + i, n);
          case double[] d -> buffer.asDoubleBuffer().put(d, t.offset() + i, n);
          case int[] k -> buffer.asIntBuffer().put(k, t.offset() + i, n);
          default -> throw new IllegalStateException("unknown tensor data " + t.data());
        }
        buffer.limit(n * size);
        AtomicFiles.writeFully(channel, buffer);
        i += n;
      }
    }
  }

  private static int elementSize(Part t) {
    return t.dtype() == Tensor.DType.F64 ? 8 : 4;
  }

  /** Rejects strings that cannot be encoded as UTF-8 (lone surrogates) before anything is written. */
  private static void checkText(String s) {
    try {
      Json.write(Objects.requireNonNull(s));
    } catch (JsonException e) {
      throw new IllegalArgumentException("not valid Unicode: " + Json.quote(s), e);
    }
  }
}
