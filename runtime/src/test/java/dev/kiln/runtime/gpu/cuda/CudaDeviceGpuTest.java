package dev.kiln.runtime.gpu.cuda;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceProvider.DeviceInfo;

/** {@link CudaDeviceContract} on a real NVIDIA GPU; skipped, saying why, where there is none. */
class CudaDeviceGpuTest extends CudaDeviceContract {
  @Override
  String skipReason() {
    DeviceInfo first = new CudaProvider().probe().getFirst();
    return first.available() ? null : "no NVIDIA GPU (" + first.detail() + ")";
  }

  @Override
  Device open() {
    return new CudaProvider().open(0);
  }
}
