package dev.kiln.runtime.io.onnx;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Reads one protobuf message, in wire format, from a window of a segment. Every length is checked
 * against the bytes left in the window before anything is read or allocated, so a hostile file can
 * only produce an {@link OnnxException} naming the message path and the offset.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  /** ONNX uses no groups, so they are only skipped; this bounds how deep a hostile file may nest them. */
  static final int MAX_GROUP_DEPTH = 64;

  /** Protobuf field numbers stop at 2^29 - 1. */
  private static final long MAX_FIELD = (1L << 29) - 1;

  static final ValueLayout.OfInt I32_LE =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfLong I64_LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment seg;
  private final String source;
  private final String path;
  private final long start;
  private final long end;
  private long pos;
  private int field;
  private int wireType;
  private long tagOffset;

  ProtoReader(MemorySegment seg, String source, String path, long start, long end) {
    this.seg = seg;
    this.source = source;
    this.path = path;
    this.start = start;
    this.pos = start;
    this.end = end;
    this.tagOffset = start;
  }

  MemorySegment segment() {
    return seg;
  }

  String source() {
    return source;
  }

  String path() {
    return path;
  }

  /** Offset of the message's first byte. */
  long start() {
    return start;
  }

  /** Offset just past the message. */
  long end() {
    return end;
  }

  /** Offset of the next byte to read. */
  long position() {
    return pos;
  }

  int field() {
    return field;
  }

  int wireType() {
    return wireType;
  }

  /** Offset of the current field's tag. */
  long tagOffset() {
    return tagOffset;
  }

  /** Moves to the next field's tag; false at the end of the message. */
  boolean next() {
    if (pos >= end) {
      return false;
    }
    tagOffset = pos;
    long tag = varint();
    long number = tag >>> 3;
    if (number == 0 || number > MAX_FIELD) {
      throw error("invalid field number " + Long.toUnsignedString(number), tagOffset);
    }
    field = (int) number;
    wireType = (int) (tag & 7);
    if (wireType > FIXED32) {
      throw error("field " + field + " has invalid wire type " + wireType, tagOffset);
    }
    return true;
  }

  /** Fails unless the current field has wire type {@code expected}. */
  void expect(int expected, String name) {
    if (wireType != expected) {
      throw wrongType(name);
    }
  }

  /** The error for a known field that arrived with a wire type it cannot have. */
  OnnxException wrongType(String name) {
    return error("field " + name + " (" + field + ") cannot have wire type " + wireType);
  }

  /**
   * Appends the current repeated int64 field, packed or not, to {@code out}; fails rather than let it
   * grow past {@code max} elements.
   */
  void int64s(String name, Growable.Longs out, int max) {
    if (wireType == VARINT) {
      add(out, varint(), max, name);
      return;
    }
    if (wireType != LEN) {
      throw wrongType(name);
    }
    ProtoReader packed = message(path + "." + name);
    while (packed.pos < packed.end) {
      add(out, packed.varint(), max, name);
    }
  }

  private void add(Growable.Longs out, long v, int max, String name) {
    if (out.size() >= max) {
      throw error(name + " has more than " + max + " elements");
    }
    out.add(v);
  }

  /** Appends the current repeated float field, packed or not, to {@code out}. */
  void floats(String name, Growable.Floats out) {
    if (wireType == FIXED32) {
      if (out.size() == Growable.MAX) {
        throw error(name + " has more than " + Growable.MAX + " elements");
      }
      out.add(Float.intBitsToFloat(fixed32()));
      return;
    }
    if (wireType != LEN) {
      throw wrongType(name);
    }
    long from = lengthDelimited();
    long n = pos - from;
    if (n % 4 != 0) {
      throw error("packed " + name + " has " + n + " bytes, not a multiple of 4", from);
    }
    if (n / 4 > Growable.MAX - out.size()) {
      throw error(name + " has more than " + Growable.MAX + " elements");
    }
    for (long at = from; at < pos; at += 4) {
      out.add(Float.intBitsToFloat(seg.get(I32_LE, at)));
    }
  }

  long varint() {
    long start = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error("varint runs past the end of " + path, start);
      }
      byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
      // The tenth byte may only carry the 64th bit; anything more would be silently dropped.
      if (shift == 63 && (b & 0xfe) != 0) {
        throw error("varint longer than 64 bits", start);
      }
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error("varint longer than 64 bits", start);
  }

  /** An int32 field: protobuf sign-extends negative int32s to ten-byte varints, so keep the low half. */
  int varint32() {
    return (int) varint();
  }

  int fixed32() {
    need(4);
    int v = seg.get(I32_LE, pos);
    pos += 4;
    return v;
  }

  long fixed64() {
    need(8);
    long v = seg.get(I64_LE, pos);
    pos += 8;
    return v;
  }

  /** Reads a length prefix and steps over the bytes it covers; returns their offset. */
  long lengthDelimited() {
    long lengthAt = pos;
    long n = varint();
    if (n < 0 || n > end - pos) {
      throw error(
          "field " + field + " length " + Long.toUnsignedString(n) + " runs past the end of " + path
              + " (" + (end - pos) + " bytes left)",
          lengthAt);
    }
    long start = pos;
    pos += n;
    return start;
  }

  /** The current length-delimited field as a message reader named {@code childPath}. */
  ProtoReader message(String childPath) {
    long start = lengthDelimited();
    return new ProtoReader(seg, source, childPath, start, pos);
  }

  /** The current length-delimited field as UTF-8 text; malformed UTF-8 is an error, not replaced. */
  String string(String name) {
    long start = lengthDelimited();
    long n = pos - start;
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(seg.asSlice(start, n).asByteBuffer())
          .toString();
    } catch (CharacterCodingException e) {
      throw error(name + " is not valid UTF-8", start);
    }
  }

  /** The current length-delimited field as text, with malformed UTF-8 replaced (for free-form strings). */
  String lenientString() {
    long start = lengthDelimited();
    return StandardCharsets.UTF_8
        .decode(seg.asSlice(start, pos - start).asByteBuffer())
        .toString();
  }

  /** Steps over the current field, whatever it is. */
  void skip() {
    switch (wireType) {
      case VARINT -> varint();
      case FIXED64 -> skipBytes(8);
      case LEN -> lengthDelimited();
      case FIXED32 -> skipBytes(4);
      case START_GROUP -> skipGroup();
      default ->
        throw error("end-group tag for field " + field + " without a start-group", tagOffset);
    }
  }

  /** Skips a group and the groups inside it without recursion, up to {@link #MAX_GROUP_DEPTH} deep. */
  private void skipGroup() {
    int[] open = new int[MAX_GROUP_DEPTH];
    int depth = 0;
    open[depth++] = field;
    long groupStart = tagOffset;
    while (depth > 0) {
      if (!next()) {
        throw error("group " + open[depth - 1] + " is never closed", groupStart);
      }
      switch (wireType) {
        case START_GROUP -> {
          if (depth == MAX_GROUP_DEPTH) {
            throw error("groups nested deeper than " + MAX_GROUP_DEPTH, tagOffset);
          }
          open[depth++] = field;
        }
        case END_GROUP -> {
          if (open[--depth] != field) {
            throw error("end-group " + field + " closes group " + open[depth], tagOffset);
          }
        }
        default -> skip();
      }
    }
  }

  private void skipBytes(long n) {
    need(n);
    pos += n;
  }

  private void need(long n) {
    if (end - pos < n) {
      throw error(n + "-byte value runs past the end of " + path, pos);
    }
  }

  /** An error about this message at byte {@code offset} of the file. */
  OnnxException error(String problem, long offset) {
    return new OnnxException(source, path + ": " + problem + " (offset " + offset + ")");
  }

  /** An error about the current field. */
  OnnxException error(String problem) {
    return error(problem, tagOffset);
  }
}
