package dev.kiln.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One validated tensor entry of a safetensors header; {@code begin} and {@code end} are byte offsets
 * relative to the start of the data section, and {@code shape} dimensions are longs because the
 * format allows them (a Java array, and so a {@link dev.kiln.runtime.Tensor}, cannot).
 */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    Objects.requireNonNull(name);
    Objects.requireNonNull(dtype);
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The product of the shape (1 for a scalar); a zero dimension wins over any overflow. */
  public long elementCount() {
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** {@code end - begin}. */
  public long byteSize() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype.equals(t.dtype)
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return name + " " + dtype + " " + Arrays.toString(shape).replace(" ", "") + " [" + begin + ", "
        + end + "]";
  }
}
