package dev.kiln.dsl.ast;

/**
 * Where an AST node came from: a range of a {@code .model} file, or (for the annotation front end) an
 * opaque {@code origin} the processor maps back to a Java element and annotation value.
 *
 * <p>Lines and columns are 1-based; {@code endColumn} is exclusive. A span of an annotated interface has
 * {@code file} set to the Java source name, line/column 0 and a non-null {@code origin}.
 */
public record Span(String file, int line, int column, int endLine, int endColumn, Object origin) {

  /** A span of {@code length} characters on one line of a text file. */
  public static Span of(String file, int line, int column, int length) {
    return new Span(file, line, column, line, column + Math.max(1, length), null);
  }

  /** A span that points at a Java element (or annotation value) through an opaque handle. */
  public static Span element(String description, Object origin) {
    return new Span(description, 0, 0, 0, 0, origin);
  }

  /** The span covering this one through {@code other} (same file assumed). */
  public Span to(Span other) {
    if (other == null || origin != null) {
      return this;
    }
    return new Span(file, line, column, other.endLine, other.endColumn, null);
  }

  /** {@code file:line:col}, the prefix of every diagnostic about this span. */
  public String location() {
    return origin != null || line == 0 ? file : file + ":" + line + ":" + column;
  }

  @Override
  public String toString() {
    return location();
  }
}
