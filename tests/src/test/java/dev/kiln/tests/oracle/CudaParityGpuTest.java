package dev.kiln.tests.oracle;

import org.junit.jupiter.api.BeforeAll;

/**
 * The stdlib parity checks of {@link DeviceParityBase} on CUDA; skips where there is no NVIDIA GPU
 * (driver, device and NVRTC are probed, and the skip message says which is missing).
 */
class CudaParityGpuTest extends DeviceParityBase {
  @BeforeAll
  static void open() {
    openDevice("cuda", "this test needs an NVIDIA GPU with its driver and NVRTC");
  }
}
