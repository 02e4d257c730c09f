package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns a {@link OnnxTensorProto}'s data into a Kiln tensor. The element count comes from dims and is
 * checked against the bytes actually present before any array is allocated, so a file cannot make
 * this allocate more than its own size justifies (at most a few times it, for one-byte varints).
 */
final class TensorDecoder {
  /** The largest Java array the JVM reliably allocates. */
  static final long MAX_ELEMENTS = Growable.MAX;

  private static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt I32 = ProtoReader.I32_LE;
  private static final ValueLayout.OfLong I64 = ProtoReader.I64_LE;
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble F64 =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  // TensorProto's typed data fields.
  private static final int FLOAT_DATA = 4;
  private static final int INT32_DATA = 5;
  private static final int INT64_DATA = 7;
  private static final int DOUBLE_DATA = 10;
  private static final int UINT64_DATA = 11;

  private TensorDecoder() {}

  static Tensor decode(OnnxTensorProto t) {
    if (t.external()) {
      throw t.error(
          "data is in an external file (data_location EXTERNAL), which this reader does not load");
    }
    if (t.segmented()) {
      throw t.error("segmented tensors are not supported");
    }
    int[] shape = shape(t);
    int n = Math.toIntExact(Tensor.count(shape));
    OnnxDataType type = t.dataType();
    Tensor.DType kind = kind(t, type);
    if (t.hasRawData()) {
      long need = (long) n * type.size();
      if (t.rawLength() != need) {
        throw t.error("raw_data has " + t.rawLength() + " bytes, dims "
            + Arrays.toString(t.rawDims()) + " of " + type + " need " + need);
      }
      return fromRaw(t, type, kind, shape, n);
    }
    return fromTyped(t, type, kind, shape, n);
  }

  /** Dims as an int shape, each in the int range and their product small enough for one Java array. */
  private static int[] shape(OnnxTensorProto t) {
    long[] dims = t.rawDims();
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || dims[i] > MAX_ELEMENTS) {
        throw t.error("dims " + Arrays.toString(dims) + ": dimension " + i + " is out of range");
      }
      shape[i] = (int) dims[i];
    }
    if (Arrays.stream(dims).anyMatch(d -> d == 0)) {
      return shape; // no elements, whatever the other dims say
    }
    long n = 1;
    for (long d : dims) {
      if (n > MAX_ELEMENTS / d) { // dividing first keeps the check itself from overflowing
        throw t.error(
            "dims " + Arrays.toString(dims) + " hold more than " + MAX_ELEMENTS + " elements");
      }
      n *= d;
    }
    return shape;
  }

  private static Tensor.DType kind(OnnxTensorProto t, OnnxDataType type) {
    return switch (type) {
      case FLOAT, FLOAT16, BFLOAT16 -> Tensor.DType.F32;
      case DOUBLE -> Tensor.DType.F64;
      case INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, UINT64, BOOL -> Tensor.DType.I32;
      default ->
        throw t.error("data_type " + t.dataTypeCode() + " (" + type + ") has no Kiln tensor type");
    };
  }

  private static Tensor fromRaw(
      OnnxTensorProto t, OnnxDataType type, Tensor.DType kind, int[] shape, int n) {
    MemorySegment s = t.segment();
    long at = t.rawOffset();
    switch (kind) {
      case F32 -> {
        float[] out = new float[n];
        switch (type) {
          case FLOAT -> MemorySegment.copy(s, F32, at, out, 0, n);
          case FLOAT16 -> {
            for (int i = 0; i < n; i++) {
              out[i] = Float.float16ToFloat(s.get(I16, at + 2L * i));
            }
          }
          default -> {
            for (int i = 0; i < n; i++) {
              out[i] = bf16(s.get(I16, at + 2L * i));
            }
          }
        }
        return new Tensor.F32(shape, out);
      }
      case F64 -> {
        double[] out = new double[n];
        MemorySegment.copy(s, F64, at, out, 0, n);
        return new Tensor.F64(shape, out);
      }
      default -> {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          long v =
              switch (type) {
                case INT8 -> s.get(ValueLayout.JAVA_BYTE, at + i);
                case UINT8 -> s.get(ValueLayout.JAVA_BYTE, at + i) & 0xff;
                case BOOL -> s.get(ValueLayout.JAVA_BYTE, at + i) != 0 ? 1 : 0;
                case INT16 -> s.get(I16, at + 2L * i);
                case UINT16 -> s.get(I16, at + 2L * i) & 0xffff;
                case INT32 -> s.get(I32, at + 4L * i);
                case UINT32 -> Integer.toUnsignedLong(s.get(I32, at + 4L * i));
                default -> s.get(I64, at + 8L * i); // INT64, UINT64
              };
          out[i] = toInt(t, type, v, i);
        }
        return new Tensor.I32(shape, out);
      }
    }
  }

  private static Tensor fromTyped(
      OnnxTensorProto t, OnnxDataType type, Tensor.DType kind, int[] shape, int n) {
    int field =
        switch (type) {
          case FLOAT -> FLOAT_DATA;
          case DOUBLE -> DOUBLE_DATA;
          case INT64 -> INT64_DATA;
          case UINT32, UINT64 -> UINT64_DATA;
          default ->
            INT32_DATA; // int32_data also carries the 8- and 16-bit types, FLOAT16 and BFLOAT16 as
          // bits
        };
    int wire =
        switch (field) {
          case FLOAT_DATA -> ProtoReader.FIXED32;
          case DOUBLE_DATA -> ProtoReader.FIXED64;
          default -> ProtoReader.VARINT;
        };
    String fieldName =
        switch (field) {
          case FLOAT_DATA -> "float_data";
          case DOUBLE_DATA -> "double_data";
          case INT64_DATA -> "int64_data";
          case UINT64_DATA -> "uint64_data";
          default -> "int32_data";
        };
    long count = TypedData.count(t, field, wire, fieldName);
    if (count != n) {
      throw t.error(fieldName + " has " + count + " values, dims " + Arrays.toString(t.rawDims())
          + " need " + n);
    }
    return switch (kind) {
      case F32 -> {
        float[] out = new float[n];
        TypedData.each(
            t,
            field,
            wire,
            fieldName,
            (i, v) -> out[i] = switch (type) {
              case FLOAT -> Float.intBitsToFloat((int) v);
              case FLOAT16 -> Float.float16ToFloat((short) v);
              default -> bf16((short) v);
            });
        yield new Tensor.F32(shape, out);
      }
      case F64 -> {
        double[] out = new double[n];
        TypedData.each(t, field, wire, fieldName, (i, v) -> out[i] = Double.longBitsToDouble(v));
        yield new Tensor.F64(shape, out);
      }
      default -> {
        int[] out = new int[n];
        TypedData.each(
            t, field, wire, fieldName, (i, v) -> out[i] = toInt(t, type, typedInt(type, v), i));
        yield new Tensor.I32(shape, out);
      }
    };
  }

  /** An int32_data value as the element it encodes; the other fields hold the value itself. */
  private static long typedInt(OnnxDataType type, long v) {
    return switch (type) {
      case INT8, INT16, INT32 -> (int) v;
      case BOOL -> v != 0 ? 1 : 0;
      default -> v;
    };
  }

  private static int toInt(OnnxTensorProto t, OnnxDataType type, long v, int i) {
    // Unsigned values past 2^63 arrive as negative longs; negative is never a valid unsigned value.
    boolean unsigned = type == OnnxDataType.UINT8
        || type == OnnxDataType.UINT16
        || type == OnnxDataType.UINT32
        || type == OnnxDataType.UINT64;
    if (v != (int) v || (unsigned && v < 0)) {
      String text = type == OnnxDataType.UINT64 ? Long.toUnsignedString(v) : Long.toString(v);
      throw t.error(type + " element " + i + " = " + text + " does not fit a 32-bit int");
    }
    return (int) v;
  }

  /** bfloat16 is the top half of a float32, so widening is a shift. */
  private static float bf16(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }
}
