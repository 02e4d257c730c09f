package dev.kiln.runtime.io.onnx;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Walks one typed data field of a TensorProto (float_data, int64_data...), which protobuf lets a
 * writer split over any number of packed and unpacked occurrences. Counting comes first so that the
 * caller can check the count against dims before allocating anything.
 */
final class TypedData {
  /** Receives element {@code i}: float and double values arrive as their bits. */
  @FunctionalInterface
  interface Sink {
    void put(int i, long value);
  }

  private TypedData() {}

  /** How many values field {@code field} holds, unpacked with wire type {@code wire} or packed. */
  static long count(OnnxTensorProto t, int field, int wire, String name) {
    ProtoReader r = t.reread();
    long count = 0;
    while (r.next()) {
      if (r.field() != field) {
        r.skip();
      } else if (r.wireType() == wire) {
        r.skip();
        count++;
      } else if (r.wireType() == ProtoReader.LEN) {
        long from = r.lengthDelimited();
        long length = r.position() - from;
        count += switch (wire) {
          case ProtoReader.FIXED32 -> whole(r, name, from, length, 4);
          case ProtoReader.FIXED64 -> whole(r, name, from, length, 8);
          default -> varints(r, name, from, length);
        };
      } else {
        throw r.wrongType(name);
      }
    }
    return count;
  }

  /** Hands every value of the field to {@code sink}, in order; call after {@link #count}. */
  static void each(OnnxTensorProto t, int field, int wire, String name, Sink sink) {
    ProtoReader r = t.reread();
    int i = 0;
    while (r.next()) {
      if (r.field() != field) {
        r.skip();
      } else if (r.wireType() == wire) {
        sink.put(i++, scalar(r, wire));
      } else {
        ProtoReader packed = r.message(r.path() + "." + name);
        while (packed.position() < packed.end()) {
          sink.put(i++, scalar(packed, wire));
        }
      }
    }
  }

  private static long scalar(ProtoReader r, int wire) {
    return switch (wire) {
      case ProtoReader.FIXED32 -> r.fixed32();
      case ProtoReader.FIXED64 -> r.fixed64();
      default -> r.varint();
    };
  }

  private static long whole(ProtoReader r, String name, long from, long length, int size) {
    if (length % size != 0) {
      throw r.error(
          "packed " + name + " has " + length + " bytes, not a multiple of " + size, from);
    }
    return length / size;
  }

  /** Each varint ends with the one byte whose top bit is clear, so counting those counts varints. */
  private static long varints(ProtoReader r, String name, long from, long length) {
    MemorySegment s = r.segment();
    long count = 0;
    for (long at = from; at < from + length; at++) {
      if (s.get(ValueLayout.JAVA_BYTE, at) >= 0) {
        count++;
      }
    }
    if (length > 0 && s.get(ValueLayout.JAVA_BYTE, from + length - 1) < 0) {
      throw r.error("packed " + name + " ends inside a varint", from + length - 1);
    }
    return count;
  }
}
