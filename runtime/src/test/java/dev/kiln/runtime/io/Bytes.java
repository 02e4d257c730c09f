package dev.kiln.runtime.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors files byte by byte, the way the reference implementation lays them out. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** A file: the header's length as 8 LE bytes, the header padded with spaces to 8 bytes, then data. */
  static byte[] file(String header, byte[] data) {
    byte[] text = header.getBytes(StandardCharsets.UTF_8);
    String padded = header + " ".repeat((8 - text.length % 8) % 8);
    return rawFile(padded, data);
  }

  /** A file with the header exactly as given (no padding). */
  static byte[] rawFile(String header, byte[] data) {
    byte[] text = header.getBytes(StandardCharsets.UTF_8);
    return new Bytes().u64(text.length).raw(text).raw(data).done();
  }

  Bytes u64(long v) {
    return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
  }

  Bytes i64(long... vs) {
    for (long v : vs) {
      u64(v);
    }
    return this;
  }

  Bytes f64(double... vs) {
    for (double v : vs) {
      u64(Double.doubleToRawLongBits(v));
    }
    return this;
  }

  Bytes i32(int... vs) {
    for (int v : vs) {
      raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }
    return this;
  }

  Bytes f32(float... vs) {
    for (float v : vs) {
      i32(Float.floatToRawIntBits(v));
    }
    return this;
  }

  /** 16-bit values (F16/BF16 bit patterns, I16, U16), little-endian. */
  Bytes u16(int... vs) {
    for (int v : vs) {
      out.write(v & 0xff);
      out.write((v >>> 8) & 0xff);
    }
    return this;
  }

  Bytes u8(int... vs) {
    for (int v : vs) {
      out.write(v);
    }
    return this;
  }

  Bytes raw(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  byte[] done() {
    return out.toByteArray();
  }
}
