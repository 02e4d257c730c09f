package dev.kiln.runtime;

/**
 * A problem the user can fix (a missing input, a wrong shape, a file that does not match the model),
 * with a message that says what and where. The CLI prints the message alone, without a stack trace.
 */
public class KilnException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KilnException(String message) {
    super(message);
  }

  public KilnException(String message, Throwable cause) {
    super(message, cause);
  }
}
