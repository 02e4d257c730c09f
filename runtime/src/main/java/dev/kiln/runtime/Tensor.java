package dev.kiln.runtime;

import java.util.Arrays;

/** A dense, row-major tensor held on the Java heap: the unit of model inputs, outputs and checkpoints. */
public sealed interface Tensor permits Tensor.F32, Tensor.F64, Tensor.I32 {

  /** Element types Kiln stores. */
  enum DType {
    F32,
    F64,
    I32
  }

  int[] shape();

  DType dtype();

  /** Number of elements: the product of the shape. */
  default long size() {
    return count(shape());
  }

  /** Element {@code i} (flat index) as a double, whatever the dtype. */
  double get(long i);

  static long count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  static String shapeString(int[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }

  /** 32-bit floats. */
  record F32(int[] shape, float[] data) implements Tensor {
    public F32 {
      check(shape, data.length);
    }

    public F32(int... shape) {
      this(shape, new float[Math.toIntExact(count(shape))]);
    }

    @Override
    public DType dtype() {
      return DType.F32;
    }

    @Override
    public double get(long i) {
      return data[Math.toIntExact(i)];
    }
  }

  /** 64-bit floats (the precision of gradient checks). */
  record F64(int[] shape, double[] data) implements Tensor {
    public F64 {
      check(shape, data.length);
    }

    @Override
    public DType dtype() {
      return DType.F64;
    }

    @Override
    public double get(long i) {
      return data[Math.toIntExact(i)];
    }
  }

  /** 32-bit integers (token ids, targets, lengths). */
  record I32(int[] shape, int[] data) implements Tensor {
    public I32 {
      check(shape, data.length);
    }

    @Override
    public DType dtype() {
      return DType.I32;
    }

    @Override
    public double get(long i) {
      return data[Math.toIntExact(i)];
    }
  }

  private static void check(int[] shape, int length) {
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
      }
    }
    if (count(shape) != length) {
      throw new IllegalArgumentException("shape " + shapeString(shape) + " needs " + count(shape)
          + " elements, data has " + length);
    }
  }
}
