package dev.kiln.tests.oracle;

import org.junit.jupiter.api.BeforeAll;

/** The stdlib parity checks of {@link DeviceParityBase} on OpenCL: PoCL on the CPU in CI. */
class OpenClParityTest extends DeviceParityBase {
  @BeforeAll
  static void open() {
    openDevice("opencl", ".ci/run installs PoCL, so CI runs this");
  }
}
