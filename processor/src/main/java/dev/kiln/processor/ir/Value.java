package dev.kiln.processor.ir;

/**
 * An SSA value of the graph. {@code name} is for people (dumps, generated field names); {@code id} is
 * its identity. Parameters carry the parameter's full name ({@code h.0.attn.qkv.weight}).
 */
public record Value(int id, String name, Shape shape, DType dtype, Role role) {
  @Override
  public String toString() {
    return switch (role) {
      case PARAM, INPUT -> name;
      case PARAM_GRAD -> "grad(" + name + ")";
      default -> "%" + id + (name.isEmpty() ? "" : "." + name);
    };
  }
}
