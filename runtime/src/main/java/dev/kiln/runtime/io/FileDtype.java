package dev.kiln.runtime.io;

/** The element types a safetensors header may name, with their sizes in bytes. */
enum FileDtype {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E5M2(1),
  F8_E4M3(1),
  F8_E8M0(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  final int size;

  FileDtype(int size) {
    this.size = size;
  }

  /** The dtype named {@code name}, or null; the sub-byte types (F4, F6_*) are not supported. */
  static FileDtype of(String name) {
    for (FileDtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }
}
