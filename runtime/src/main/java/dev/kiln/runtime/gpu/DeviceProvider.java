package dev.kiln.runtime.gpu;

import java.util.List;

/**
 * A backend, found with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services/dev.kiln.runtime.gpu.DeviceProvider}).
 */
public interface DeviceProvider {
  /** {@code opencl} or {@code cuda}. */
  String name();

  /**
   * What this backend can reach on this machine: one entry per device, or, when none can be used, one
   * entry with {@code available == false} saying why (library missing, no device, driver too old).
   * Never throws.
   */
  List<DeviceInfo> probe();

  /** Opens device {@code index} of {@link #probe()}; throws {@link DeviceException} saying why not. */
  Device open(int index);

  /** One line of {@code ./kiln devices}. */
  record DeviceInfo(String backend, int index, String name, boolean available, String detail) {}
}
