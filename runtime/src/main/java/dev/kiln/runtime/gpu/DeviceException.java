package dev.kiln.runtime.gpu;

import dev.kiln.runtime.KilnException;

/**
 * A device problem with a message a user can act on: no OpenCL or CUDA library, no device, a kernel
 * that did not build (the message holds the build log), memory exhausted, an error code from the
 * driver (named, not just numbered).
 */
public class DeviceException extends KilnException {
  private static final long serialVersionUID = 1L;

  public DeviceException(String message) {
    super(message);
  }

  public DeviceException(String message, Throwable cause) {
    super(message, cause);
  }
}
