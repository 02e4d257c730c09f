package dev.kiln.cli;

import dev.kiln.runtime.KilnException;

/** The {@code --device} flag: {@code cpu} runs; the GPU backends are not built yet and say so. */
final class Device {
  private Device() {}

  static void check(String device) {
    String d = device == null ? System.getProperty("kiln.device", "cpu") : device;
    switch (d) {
      case "cpu" -> {}
      case "opencl", "cuda" ->
        throw new KilnException(
            "--device " + d + " is not available yet: Kiln's " + d
                + " backend has not been built (only cpu runs today; see the README's Backends section)");
      default -> throw new KilnException("unknown device '" + d + "'; use cpu, opencl or cuda");
    }
  }
}
