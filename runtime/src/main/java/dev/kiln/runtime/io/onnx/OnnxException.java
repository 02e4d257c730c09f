package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.KilnException;
import java.io.Serial;

/**
 * An ONNX file that cannot be read or does not hold what the caller asked for. Its message starts
 * with the file (or the source name given for bytes), then says where and what is wrong, e.g.
 * {@code model.onnx: graph.initializer[3] 'w': raw_data has 12 bytes, dims [4,4] of FLOAT need 64 (offset 180)}.
 */
public final class OnnxException extends KilnException {
  @Serial
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String problem;

  OnnxException(String source, String problem) {
    this(source, problem, null);
  }

  OnnxException(String source, String problem, Throwable cause) {
    super(source + ": " + problem, cause);
    this.source = source;
    this.problem = problem;
  }

  /** The file or source name concerned. */
  public String source() {
    return source;
  }

  /** What is wrong, without the source name. */
  public String problem() {
    return problem;
  }
}
