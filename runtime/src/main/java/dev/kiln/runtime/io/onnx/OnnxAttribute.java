package dev.kiln.runtime.io.onnx;

/**
 * One attribute of an ONNX node. Only the field its {@link #type()} names is meaningful; the others
 * hold zero or empty values. Graph, string-list and tensor-list attributes are skipped when read,
 * as Kiln never needs them, so they arrive here with their name and type only.
 *
 * @param type the {@code AttributeProto.AttributeType} code, e.g. {@link #INT}
 * @param t the tensor of a TENSOR attribute (a Constant's value), else null
 */
public record OnnxAttribute(
    String name,
    int type,
    float f,
    long i,
    String s,
    float[] floats,
    long[] ints,
    OnnxTensorProto t) {
  public static final int FLOAT = 1;
  public static final int INT = 2;
  public static final int STRING = 3;
  public static final int TENSOR = 4;
  public static final int GRAPH = 5;
  public static final int FLOATS = 6;
  public static final int INTS = 7;
  public static final int STRINGS = 8;
}
