/**
 * The OpenCL backend: {@link dev.kiln.runtime.gpu.opencl.OpenClProvider} binds the ICD loader
 * {@code libOpenCL.so.1} with the Foreign Function &amp; Memory API and opens
 * {@link dev.kiln.runtime.gpu.opencl.OpenClDevice}s. In CI it runs on PoCL, OpenCL on the CPU.
 *
 * <p>System properties, read when used: {@code kiln.opencl.library} names another loader (a name or
 * a path); {@code kiln.cache.dir} (default {@code ~/.cache/kiln}) holds built program binaries under
 * {@code opencl/}, so a model's kernels compile once per device, driver and source.
 */
package dev.kiln.runtime.gpu.opencl;
