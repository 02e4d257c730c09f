package dev.kiln.runtime.io;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * An open, validated safetensors file, memory-mapped read-only; reads copy (and convert) one tensor
 * at a time into Java arrays, so a model much larger than the heap can be inspected tensor by tensor.
 * Safe for concurrent reads; {@link #close()} unmaps the file, after which reads fail.
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8; // the JVM's practical array limit

  private final Path path;
  private final Arena arena;
  private final MemorySegment data; // the data section: tensor offsets are relative to it
  private final SafetensorsHeader header;

  private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader header) {
    this.path = path;
    this.arena = arena;
    this.data = data;
    this.header = header;
  }

  static SafetensorsFile open(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new SafetensorsException(
          path, Files.exists(path) ? "not a regular file" : "no such file");
    }
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new SafetensorsException(
            path,
            size == 0
                ? "file is empty"
                : "file is " + size + " bytes long, too short for the 8-byte header length");
      }
      MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long n = file.get(Decode.I64, 0);
      // Unsigned compare: a length with the top bit set is a huge u64, not a negative number.
      if (Long.compareUnsigned(n, Safetensors.MAX_HEADER_BYTES) > 0) {
        throw new SafetensorsException(
            path,
            "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                + Safetensors.MAX_HEADER_BYTES + " bytes");
      }
      if (n > size - 8) {
        throw new SafetensorsException(
            path, "header length " + n + " is larger than the " + (size - 8) + " bytes after it");
      }
      byte[] headerBytes = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
      SafetensorsHeader header = SafetensorsHeader.parse(path, headerBytes, size - 8 - n);
      return new SafetensorsFile(path, arena, file.asSlice(8 + n), header);
    } catch (IOException e) {
      arena.close();
      throw new SafetensorsException(path, "cannot read: " + IoErrors.describe(e), e);
    } catch (InternalError e) {
      arena.close();
      throw truncated(path, e);
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /** The file this was opened from. */
  public Path path() {
    return path;
  }

  /** The tensors, in header order, by name. */
  public Map<String, TensorInfo> tensors() {
    return header.tensors();
  }

  /** The string-to-string {@code __metadata__} of the header (empty if absent), in header order. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** The entry for {@code name}; a SafetensorsException if there is none. */
  public TensorInfo info(String name) {
    TensorInfo info = header.tensors().get(Objects.requireNonNull(name));
    if (info == null) {
      throw new SafetensorsException(path, "no tensor named " + SafetensorsHeader.quote(name));
    }
    return info;
  }

  /** Reads a tensor as the Kiln type closest to its dtype: F64 as F64, other floats as F32, integers as I32. */
  public Tensor read(String name) {
    FileDtype type = dtype(info(name));
    if (type == FileDtype.F64) {
      return readF64(name);
    }
    if (Decode.isFloat(type)) {
      return readF32(name);
    }
    if (Decode.isInteger(type)) {
      return readI32(name);
    }
    throw new SafetensorsException(
        path,
        "tensor " + SafetensorsHeader.quote(name) + " has dtype " + type
            + ", which has no Kiln tensor type");
  }

  /** Reads a F32, F64, F16 or BF16 tensor as floats. */
  public Tensor.F32 readF32(String name) {
    TensorInfo info = info(name);
    float[] out = new float[elements(info)];
    readF32Into(name, out, 0);
    return new Tensor.F32(intShape(info), out);
  }

  /**
   * Converts a F32, F64, F16 or BF16 tensor into {@code dst[offset..offset+elementCount)}; F32 data
   * is copied straight from the mapped file, with no intermediate buffer.
   */
  public void readF32Into(String name, float[] dst, int offset) {
    TensorInfo info = info(name);
    FileDtype type = expect(info, "readF32", true);
    int n = elements(info);
    Objects.checkFromIndexSize(offset, n, dst.length);
    guard(() -> {
      Decode.toF32(data, info.begin(), type, dst, offset, n);
      return null;
    });
  }

  /** Reads a F64, F32, F16 or BF16 tensor as doubles (exactly: every such value is a double). */
  public Tensor.F64 readF64(String name) {
    TensorInfo info = info(name);
    FileDtype type = expect(info, "readF64", true);
    double[] out = new double[elements(info)];
    guard(() -> {
      Decode.toF64(data, info.begin(), type, out, out.length);
      return null;
    });
    return new Tensor.F64(intShape(info), out);
  }

  /**
   * Reads an integer tensor (I32, I64, U32, U64, I16, U16, I8, U8, BOOL as 0/1) as ints; a value
   * outside the int range is an error naming the element.
   */
  public Tensor.I32 readI32(String name) {
    TensorInfo info = info(name);
    FileDtype type = expect(info, "readI32", false);
    int[] out = new int[elements(info)];
    long bad = guard(() -> Decode.toI32(data, info.begin(), type, out, out.length));
    if (bad != Decode.OK) {
      String value = guard(() -> Decode.integerText(data, info.begin(), type, bad));
      throw new SafetensorsException(
          path,
          "tensor " + SafetensorsHeader.quote(name) + " element " + bad + " is " + value
              + ", outside the I32 range");
    }
    return new Tensor.I32(intShape(info), out);
  }

  /** Unmaps the file; idempotent. */
  @Override
  public void close() {
    try {
      arena.close();
    } catch (IllegalStateException alreadyClosed) {
      // close() is idempotent, as AutoCloseable recommends
    }
  }

  private FileDtype dtype(TensorInfo info) {
    return FileDtype.of(info.dtype()); // known: the header was validated
  }

  private FileDtype expect(TensorInfo info, String method, boolean floating) {
    FileDtype type = dtype(info);
    if (floating ? !Decode.isFloat(type) : !Decode.isInteger(type)) {
      throw new SafetensorsException(
          path,
          "tensor " + SafetensorsHeader.quote(info.name()) + " has dtype "
              + type + "; " + method + " reads "
              + (floating
                  ? "F32, F64, F16 or BF16"
                  : "I32, I64, U32, U64, I16, U16, I8, U8 or BOOL"));
    }
    return type;
  }

  private int elements(TensorInfo info) {
    long n = info.byteSize() / dtype(info).size; // validated to equal the product of the shape
    if (n > MAX_ARRAY) {
      throw new SafetensorsException(
          path,
          "tensor " + SafetensorsHeader.quote(info.name()) + " has " + n
              + " elements, more than a Java array holds");
    }
    return (int) n;
  }

  private int[] intShape(TensorInfo info) {
    long[] shape = info.shape();
    int[] out = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] > Integer.MAX_VALUE) {
        throw new SafetensorsException(
            path,
            "tensor " + SafetensorsHeader.quote(info.name()) + " shape "
                + SafetensorsHeader.shapeString(shape) + " has a dimension larger than "
                + Integer.MAX_VALUE);
      }
      out[i] = (int) shape[i];
    }
    return out;
  }

  /** Runs a read of the mapping, turning the failures of a closed or shrunken mapping into our exception. */
  private <T> T guard(Supplier<T> read) {
    try {
      return read.get();
    } catch (IllegalStateException e) {
      throw new SafetensorsException(path, "file is closed", e);
    } catch (InternalError e) {
      throw truncated(path, e);
    }
  }

  /** Touching a mapped page that a truncation removed raises InternalError (SIGBUS) in HotSpot. */
  private static SafetensorsException truncated(Path path, InternalError e) {
    return new SafetensorsException(path, "could not read the mapped file (was it truncated?)", e);
  }
}
