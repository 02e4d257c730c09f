package dev.kiln.runtime.io.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes protobuf wire format field by field, for hand-made (and deliberately broken) ONNX files. */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter tag(int field, int wireType) {
    return rawVarint(((long) field << 3) | wireType);
  }

  ProtoWriter rawVarint(long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  ProtoWriter raw(byte... bytes) {
    out.writeBytes(bytes);
    return this;
  }

  ProtoWriter varint(int field, long v) {
    return tag(field, ProtoReader.VARINT).rawVarint(v);
  }

  ProtoWriter fixed32(int field, int bits) {
    tag(field, ProtoReader.FIXED32);
    for (int i = 0; i < 4; i++) {
      out.write(bits >>> (8 * i));
    }
    return this;
  }

  ProtoWriter fixed64(int field, long bits) {
    tag(field, ProtoReader.FIXED64);
    for (int i = 0; i < 8; i++) {
      out.write((int) (bits >>> (8 * i)));
    }
    return this;
  }

  ProtoWriter bytes(int field, byte[] b) {
    tag(field, ProtoReader.LEN).rawVarint(b.length);
    return raw(b);
  }

  ProtoWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter m) {
    return bytes(field, m.done());
  }

  ProtoWriter packedVarints(int field, long... vs) {
    ProtoWriter p = new ProtoWriter();
    for (long v : vs) {
      p.rawVarint(v);
    }
    return bytes(field, p.done());
  }

  ProtoWriter packedFloats(int field, float... vs) {
    byte[] b = new byte[4 * vs.length];
    for (int i = 0; i < vs.length; i++) {
      int bits = Float.floatToRawIntBits(vs[i]);
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (byte) (bits >>> (8 * k));
      }
    }
    return bytes(field, b);
  }

  byte[] done() {
    return out.toByteArray();
  }
}
