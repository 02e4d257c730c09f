package dev.kiln.runtime.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts little-endian tensor bytes of a mapped file into Java arrays. Layouts are unaligned
 * because a writer that does not order tensors by alignment can put an F64 at any offset.
 */
final class Decode {
  static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt I32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong I64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfDouble F64 =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Returned by {@link #toI32} when every element converted. */
  static final long OK = -1;

  private Decode() {}

  /** Whether {@link #toF32} and {@link #toF64} accept {@code type}. */
  static boolean isFloat(FileDtype type) {
    return type == FileDtype.F32
        || type == FileDtype.F64
        || type == FileDtype.F16
        || type == FileDtype.BF16;
  }

  /** Whether {@link #toI32} accepts {@code type}. */
  static boolean isInteger(FileDtype type) {
    return switch (type) {
      case BOOL, U8, I8, I16, U16, I32, U32, I64, U64 -> true;
      default -> false;
    };
  }

  /** Converts {@code n} float elements at byte {@code at} into {@code dst[off..off+n)}. */
  static void toF32(MemorySegment seg, long at, FileDtype type, float[] dst, int off, int n) {
    switch (type) {
      case F32 -> MemorySegment.copy(seg, F32, at, dst, off, n); // a bulk copy, no per-element work
      case F64 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = (float) seg.get(F64, at + 8L * i);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = Float.float16ToFloat(seg.get(I16, at + 2L * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[off + i] = bf16(seg.get(I16, at + 2L * i));
        }
      }
      default -> throw new IllegalArgumentException(type.name());
    }
  }

  /** Converts {@code n} float elements at byte {@code at} into {@code dst[0..n)}. */
  static void toF64(MemorySegment seg, long at, FileDtype type, double[] dst, int n) {
    switch (type) {
      case F64 -> MemorySegment.copy(seg, F64, at, dst, 0, n);
      case F32 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(F32, at + 4L * i);
        }
      }
      case F16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = Float.float16ToFloat(seg.get(I16, at + 2L * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = bf16(seg.get(I16, at + 2L * i));
        }
      }
      default -> throw new IllegalArgumentException(type.name());
    }
  }

  /**
   * Converts {@code n} integer elements at byte {@code at} into {@code dst[0..n)}; returns {@link #OK}
   * or the index of the first element outside the int range.
   */
  static long toI32(MemorySegment seg, long at, FileDtype type, int[] dst, int n) {
    switch (type) {
      case I32 -> MemorySegment.copy(seg, I32, at, dst, 0, n);
      case BOOL -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(ValueLayout.JAVA_BYTE, at + i) != 0 ? 1 : 0;
        }
      }
      case U8 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(ValueLayout.JAVA_BYTE, at + i) & 0xff;
        }
      }
      case I8 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(ValueLayout.JAVA_BYTE, at + i);
        }
      }
      case I16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(I16, at + 2L * i);
        }
      }
      case U16 -> {
        for (int i = 0; i < n; i++) {
          dst[i] = seg.get(I16, at + 2L * i) & 0xffff;
        }
      }
      case U32 -> {
        for (int i = 0; i < n; i++) {
          int v = seg.get(I32, at + 4L * i);
          if (v < 0) {
            return i;
          }
          dst[i] = v;
        }
      }
      // U64 values above 2^63 read as negative longs, which the range check rejects as well.
      case I64, U64 -> {
        boolean unsigned = type == FileDtype.U64;
        for (int i = 0; i < n; i++) {
          long v = seg.get(I64, at + 8L * i);
          if (v != (int) v || (unsigned && v < 0)) {
            return i;
          }
          dst[i] = (int) v;
        }
      }
      default -> throw new IllegalArgumentException(type.name());
    }
    return OK;
  }

  /** Element {@code i} of an integer tensor as text, for error messages. */
  static String integerText(MemorySegment seg, long at, FileDtype type, long i) {
    return switch (type) {
      case U32 -> Integer.toUnsignedString(seg.get(I32, at + 4 * i));
      case U64 -> Long.toUnsignedString(seg.get(I64, at + 8 * i));
      default -> Long.toString(seg.get(I64, at + 8 * i));
    };
  }

  /** bfloat16 is the top half of a float32, so widening is a shift. */
  static float bf16(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }
}
