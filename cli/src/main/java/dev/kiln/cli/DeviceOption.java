package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.gpu.Devices;

/**
 * The {@code --device} flag: {@code cpu} (the default, or {@code -Dkiln.device}), {@code opencl} or
 * {@code cuda}, optionally with an index ({@code opencl:1}).
 */
final class Device {
  private Device() {}

  /** The device name chosen by the flag or the property. */
  static String name(String device) {
    return device == null ? System.getProperty(Devices.PROPERTY, "cpu") : device;
  }

  /** Opens the chosen device, or returns null for the CPU; a device that cannot open is an error. */
  static dev.kiln.runtime.gpu.Device open(String device) {
    return Devices.open(name(device));
  }

  /**
   * Moves {@code m} to the chosen device (nothing for the CPU) for a command that ends with the
   * process: the driver releases the device's memory at exit.
   */
  static void attach(dev.kiln.runtime.model.FloatModel m, String device) {
    dev.kiln.runtime.gpu.Device d = open(device);
    if (d != null) {
      m.useDevice(d);
      System.err.println("device: " + d.backend() + " " + d.name());
    }
  }

  /** For commands that run on the CPU only: anything else is an error saying so. */
  static void requireCpu(String device, String what) {
    if (!name(device).equals("cpu")) {
      throw new KilnException(what + " runs on the CPU only (its KV-cache decoding has no device"
          + " kernels yet); drop --device " + name(device));
    }
  }
}
