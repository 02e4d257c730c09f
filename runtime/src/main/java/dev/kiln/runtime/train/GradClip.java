package dev.kiln.runtime.train;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.model.FloatModel;

/** Global-norm gradient clipping over all parameters at once. */
public final class GradClip {
  private GradClip() {}

  /** The L2 norm of the whole gradient buffer. */
  public static double norm(float[] grads) {
    return Math.sqrt(Kernels32.sumSquares(grads.length, grads, 0));
  }

  /** Scales the gradients so their global norm is at most {@code max}; returns the norm before. */
  public static double clip(float[] grads, double max) {
    double n = norm(grads);
    if (max > 0 && n > max) {
      Kernels32.scale(grads.length, grads, 0, max / (n + 1e-6), grads, 0);
    }
    return n;
  }

  /** {@link #clip(float[], double)} on a model's gradients, wherever they are (CPU or device). */
  public static double clip(FloatModel model, double max) {
    double n = Math.sqrt(model.gradientSquaredNorm());
    if (max > 0 && n > max) {
      model.scaleGradients(max / (n + 1e-6));
    }
    return n;
  }
}
