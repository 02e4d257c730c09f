/**
 * The {@code cuda} backend: {@code libcuda.so.1} (driver API) and {@code libnvrtc} bound with FFM.
 * {@link dev.kiln.runtime.gpu.cuda.CudaProvider} finds and checks the libraries and GPUs; {@link
 * dev.kiln.runtime.gpu.cuda.CudaDevice} runs kernels written against {@code prelude-cuda.h}.
 */
package dev.kiln.runtime.gpu.cuda;
