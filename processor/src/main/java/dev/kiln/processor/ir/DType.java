package dev.kiln.processor.ir;

/** Element type of an IR value: model arithmetic is floating point, token ids are integers. */
public enum DType {
  FLOAT("f32"),
  INT("i32");

  public final String label;

  DType(String label) {
    this.label = label;
  }
}
