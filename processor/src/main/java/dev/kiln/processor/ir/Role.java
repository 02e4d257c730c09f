package dev.kiln.processor.ir;

/** What a value is, which decides where it lives: parameter buffer, gradient buffer, arena or caller. */
public enum Role {
  /** Supplied by the caller (token ids, targets, lengths, features). */
  INPUT,
  /** A trained parameter; lives in the parameter buffer at a static offset. */
  PARAM,
  /** A forward value computed from inputs and parameters; lives in the activation arena. */
  ACTIVATION,
  /** The gradient of the loss with respect to an activation; lives in the activation arena. */
  GRAD,
  /** The gradient of a parameter; lives in the gradient buffer at the parameter's offset. */
  PARAM_GRAD
}
