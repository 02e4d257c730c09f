package dev.kiln.processor.ir;

/** A shape rule was violated; the elaborator turns it into a diagnostic at the call that caused it. */
public final class ShapeException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public ShapeException(String message, String hint) {
    super(message);
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }
}
