package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One ONNX {@code TensorProto} (an initializer or a Constant's value): its name, type and dims, with
 * the data left in the file until {@link #toTensor()} decodes it.
 */
public final class OnnxTensorProto {
  /** No real tensor has this many dimensions; the cap keeps a hostile dims list from growing. */
  static final int MAX_RANK = 32;

  private static final int F_DIMS = 1;
  private static final int F_DATA_TYPE = 2;
  private static final int F_SEGMENT = 3;
  private static final int F_NAME = 8;
  private static final int F_RAW_DATA = 9;
  private static final int F_DATA_LOCATION = 14;
  private static final int EXTERNAL = 1;

  private final String name;
  private final int dataTypeCode;
  private final long[] dims;
  private final MemorySegment seg;
  private final String source;
  private final String path;
  private final long start;
  private final long end;
  private final long rawOffset;
  private final long rawLength;
  private final boolean external;
  private final boolean segmented;

  private OnnxTensorProto(
      ProtoReader r,
      String name,
      int dataTypeCode,
      long[] dims,
      long rawOffset,
      long rawLength,
      boolean external,
      boolean segmented) {
    this.name = name;
    this.dataTypeCode = dataTypeCode;
    this.dims = dims;
    this.seg = r.segment();
    this.source = r.source();
    this.path = r.path();
    this.start = r.start();
    this.end = r.end();
    this.rawOffset = rawOffset;
    this.rawLength = rawLength;
    this.external = external;
    this.segmented = segmented;
  }

  /**
   * Reads the message {@code r} covers. Typed data fields (float_data, int64_data...) are only
   * stepped over here: {@link TensorDecoder} reads them once dims say how many values to expect.
   */
  static OnnxTensorProto parse(ProtoReader r) {
    String name = "";
    int type = 0;
    Growable.Longs dims = new Growable.Longs();
    long raw = -1;
    long rawLength = 0;
    boolean external = false;
    boolean segmented = false;
    while (r.next()) {
      switch (r.field()) {
        case F_DIMS -> r.int64s("dims", dims, MAX_RANK);
        case F_DATA_TYPE -> {
          r.expect(ProtoReader.VARINT, "data_type");
          type = r.varint32();
        }
        case F_SEGMENT -> {
          segmented = true;
          r.skip();
        }
        case F_NAME -> {
          r.expect(ProtoReader.LEN, "name");
          name = r.string("name");
        }
        case F_RAW_DATA -> {
          r.expect(ProtoReader.LEN, "raw_data");
          raw = r.lengthDelimited();
          rawLength = r.position() - raw;
        }
        case F_DATA_LOCATION -> {
          r.expect(ProtoReader.VARINT, "data_location");
          external = r.varint32() == EXTERNAL;
        }
        default -> r.skip();
      }
    }
    return new OnnxTensorProto(r, name, type, dims.toArray(), raw, rawLength, external, segmented);
  }

  /** The tensor's name (empty for a Constant's value). */
  public String name() {
    return name;
  }

  /** The element type; {@link OnnxDataType#UNKNOWN} for a code this reader does not know. */
  public OnnxDataType dataType() {
    return OnnxDataType.of(dataTypeCode);
  }

  /** The dims as the file states them, unchecked: they may be negative or absurdly large. */
  public long[] dims() {
    return dims.clone();
  }

  /** Whether the data is in {@code raw_data} rather than a typed field. */
  public boolean hasRawData() {
    return rawOffset >= 0;
  }

  /**
   * Decodes the data into a Kiln tensor: FLOAT, FLOAT16 and BFLOAT16 become {@link Tensor.F32};
   * DOUBLE becomes {@link Tensor.F64}; integer and BOOL types become {@link Tensor.I32}, failing on
   * values outside the int range. Throws {@link OnnxException} for bad dims, a data size that does not
   * match them, external or segmented data, and types Kiln cannot hold.
   */
  public Tensor toTensor() {
    return TensorDecoder.decode(this);
  }

  @Override
  public String toString() {
    return "'" + name + "' " + dataType() + " " + Arrays.toString(dims);
  }

  int dataTypeCode() {
    return dataTypeCode;
  }

  long[] rawDims() {
    return dims;
  }

  MemorySegment segment() {
    return seg;
  }

  long rawOffset() {
    return rawOffset;
  }

  long rawLength() {
    return rawLength;
  }

  boolean external() {
    return external;
  }

  boolean segmented() {
    return segmented;
  }

  /** A reader over the whole message again, for the typed data fields; its errors name the tensor. */
  ProtoReader reread() {
    return new ProtoReader(seg, source, path + " '" + name + "'", start, end);
  }

  /** An error about this tensor, naming its path and name, at the tensor's offset. */
  OnnxException error(String problem) {
    return new OnnxException(
        source, path + " '" + name + "': " + problem + " (offset " + start + ")");
  }
}
