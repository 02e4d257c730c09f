package dev.kiln.runtime.io;

import java.io.Serial;
import java.nio.file.Path;

/**
 * A safetensors file that cannot be read or written. It is unchecked so that loading code can let
 * it propagate to whoever reports the failure; its message always starts with the file's path, then
 * says what is wrong (e.g. {@code weights.safetensors: tensor 'wte' has unknown dtype 'F12'}).
 */
public final class SafetensorsException extends dev.kiln.runtime.KilnException {
  @Serial
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String problem;

  SafetensorsException(Path file, String problem) {
    this(file, problem, null);
  }

  SafetensorsException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
    this.problem = problem;
  }

  /** The file concerned (null after deserialisation). */
  public Path file() {
    return file;
  }

  /** What is wrong, without the file name. */
  public String problem() {
    return problem;
  }
}
