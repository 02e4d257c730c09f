package dev.kiln.runtime.io.onnx;

/** The element types of ONNX's {@code TensorProto.DataType}, with the code each has in a file. */
public enum OnnxDataType {
  UNDEFINED(0, 0),
  FLOAT(1, 4),
  UINT8(2, 1),
  INT8(3, 1),
  UINT16(4, 2),
  INT16(5, 2),
  INT32(6, 4),
  INT64(7, 8),
  STRING(8, 0),
  BOOL(9, 1),
  FLOAT16(10, 2),
  DOUBLE(11, 8),
  UINT32(12, 4),
  UINT64(13, 8),
  COMPLEX64(14, 8),
  COMPLEX128(15, 16),
  BFLOAT16(16, 2),
  FLOAT8E4M3FN(17, 1),
  FLOAT8E4M3FNUZ(18, 1),
  FLOAT8E5M2(19, 1),
  FLOAT8E5M2FNUZ(20, 1),
  UINT4(21, 0),
  INT4(22, 0),
  FLOAT4E2M1(23, 0),
  /** A code this reader does not know (a newer ONNX version); such tensors cannot be converted. */
  UNKNOWN(-1, 0);

  private static final OnnxDataType[] BY_CODE = new OnnxDataType[24];

  static {
    for (OnnxDataType t : values()) {
      if (t.code >= 0) {
        BY_CODE[t.code] = t;
      }
    }
  }

  private final int code;
  private final int size;

  OnnxDataType(int code, int size) {
    this.code = code;
    this.size = size;
  }

  /** The code in {@code TensorProto.data_type}; -1 for {@link #UNKNOWN}. */
  public int code() {
    return code;
  }

  /** Bytes per element in {@code raw_data}; 0 where elements are not whole bytes or not fixed-size. */
  public int size() {
    return size;
  }

  /** The type with {@code code}, or {@link #UNKNOWN}. */
  public static OnnxDataType of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
  }
}
