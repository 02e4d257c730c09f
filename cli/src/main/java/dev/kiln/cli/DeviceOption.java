package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.Devices;

/**
 * The {@code --device} flag: {@code cpu} (the default, or {@code -Dkiln.device}), {@code opencl} or
 * {@code cuda}, optionally with an index ({@code opencl:1}).
 */
final class DeviceOption {
  private DeviceOption() {}

  /** The device name chosen by the flag or the property. */
  static String name(String device) {
    return device == null ? System.getProperty(Devices.PROPERTY, "cpu") : device;
  }

  /**
   * Moves {@code m} to the chosen device and returns it, or null for the CPU. Commands that end with
   * the process may leave it open (the driver releases its memory at exit).
   */
  static Device attach(dev.kiln.runtime.model.FloatModel m, String device) {
    Device d = Devices.open(name(device));
    if (d != null) {
      m.useDevice(d);
      System.err.println("device: " + d.backend() + " " + d.name());
    }
    return d;
  }

  /** For commands that run on the CPU only: anything else is an error saying so. */
  static void requireCpu(String device, String what) {
    if (!name(device).equals("cpu")) {
      throw new KilnException(what + " runs on the CPU only (its KV-cache decoding has no device"
          + " kernels yet); drop --device " + name(device));
    }
  }
}
