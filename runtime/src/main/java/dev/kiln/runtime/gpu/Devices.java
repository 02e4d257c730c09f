package dev.kiln.runtime.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends and opens devices by name: {@code cpu} (no device), {@code opencl}, {@code cuda},
 * optionally with an index ({@code opencl:1}). The default comes from the system property {@code
 * kiln.device}, else {@code cpu}.
 */
public final class Devices {
  private Devices() {}

  /** The system property naming the default device. */
  public static final String PROPERTY = "kiln.device";

  /** Every backend on the class path, in service order. */
  public static List<DeviceProvider> providers() {
    List<DeviceProvider> out = new ArrayList<>();
    ServiceLoader.load(DeviceProvider.class, Devices.class.getClassLoader()).stream()
        .forEach(p -> out.add(p.get()));
    return out;
  }

  /** What every backend reaches on this machine (each backend says why when it reaches nothing). */
  public static List<DeviceProvider.DeviceInfo> probe() {
    List<DeviceProvider.DeviceInfo> out = new ArrayList<>();
    for (DeviceProvider p : providers()) {
      out.addAll(p.probe());
    }
    return out;
  }

  /** The device named by {@code kiln.device}, or null for the CPU. */
  public static Device fromProperty() {
    return open(System.getProperty(PROPERTY, "cpu"));
  }

  /**
   * Opens the device {@code spec} names, or returns null for {@code cpu}. Throws {@link
   * DeviceException} for an unknown backend or a device that cannot be opened, saying why.
   */
  public static Device open(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("cpu")) {
      return null;
    }
    int colon = s.indexOf(':');
    String backend = colon < 0 ? s : s.substring(0, colon);
    int index = 0;
    if (colon >= 0) {
      try {
        index = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new DeviceException(
            "device '" + spec + "': the index after ':' must be a number, as in opencl:1");
      }
    }
    for (DeviceProvider p : providers()) {
      if (p.name().equals(backend)) {
        List<DeviceProvider.DeviceInfo> found = p.probe();
        if (found.isEmpty() || !found.getFirst().available()) {
          String why = found.isEmpty() ? "no device" : found.getFirst().detail();
          throw new DeviceException(
              "device '" + spec + "' is not available: " + why + " (see ./kiln devices)");
        }
        if (index < 0 || index >= found.size()) {
          throw new DeviceException("device '" + spec + "': " + backend + " has " + found.size()
              + " device(s), numbered from 0 (see ./kiln devices)");
        }
        return p.open(index);
      }
    }
    throw new DeviceException(
        "unknown device '" + spec + "': use cpu, opencl or cuda (optionally with :index)");
  }
}
