/**
 * GPU backends: the same kernels run through OpenCL or CUDA, reached with the Foreign Function &amp;
 * Memory API (no JNI).
 *
 * <h2>Layers</h2>
 *
 * <ol>
 *   <li>{@link dev.kiln.runtime.gpu.Device}: the small device contract each backend implements
 *       (buffers, program build, kernel launch). {@code opencl} binds {@code libOpenCL.so.1} (in CI
 *       through PoCL on the CPU); {@code cuda} binds {@code libcuda.so.1} (driver API) and
 *       {@code libnvrtc} (CUDA C to PTX at run time). Backends are found with
 *       {@link java.util.ServiceLoader} as {@link dev.kiln.runtime.gpu.DeviceProvider}s.
 *   <li>The kernel library: one kernel source written in a portable C subset whose few
 *       dialect-specific words ({@code KERNEL}, {@code GLOBAL}, {@code LOCAL_MEM}, {@code BARRIER},
 *       work-item ids) are macros defined by a per-backend prelude, so the same text is OpenCL C and
 *       CUDA C. Attention kernels are instantiated per mask: the runtime renders each mask of a model
 *       ({@link dev.kiln.runtime.mask.Mask} records) as C functions for its visible range and
 *       predicate when it builds the model's program.
 *   <li>{@link dev.kiln.runtime.gpu.DeviceKernels}: the kernel calls of the CPU's {@code Kernels32}
 *       with the same names and argument order, taking device buffers instead of arrays; generated
 *       model classes call it from their device methods, so the launch sequence of a model is the one
 *       its CPU code runs.
 * </ol>
 *
 * <p>All buffers of a model (parameters, gradients, optimiser moments, activations) stay on the device
 * for a whole training run; only the loss, requested outputs and checkpoints come back.
 */
package dev.kiln.runtime.gpu;
