package dev.kiln.runtime.json;

import java.io.Serial;

/**
 * A JSON text that cannot be parsed, or a value that cannot be written as JSON; unchecked because
 * malformed input is a data error the caller reports, not a condition it can retry.
 */
public final class JsonException extends RuntimeException {
  @Serial
  private static final long serialVersionUID = 1L;

  private final int offset;
  private final int line;
  private final int column;

  /** A parse error at {@code offset} (a char offset, or a byte offset for invalid UTF-8). */
  JsonException(String message, int offset, int line, int column) {
    super(message);
    this.offset = offset;
    this.line = line;
    this.column = column;
  }

  /** A write error, which has no position in any text. */
  JsonException(String message) {
    this(message, -1, 0, 0);
  }

  /** Offset of the error in the input (chars; bytes for invalid UTF-8), or -1 for write errors. */
  public int offset() {
    return offset;
  }

  /** 1-based line of the error, or 0 for write errors. */
  public int line() {
    return line;
  }

  /** 1-based column (in code points) of the error, or 0 for write errors. */
  public int column() {
    return column;
  }
}
