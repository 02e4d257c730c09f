/* Kiln portable kernel prelude: CUDA C++ (NVRTC). The kernel library and generated kernels use only
 * these words for what differs between OpenCL C and CUDA C. */
#define KERNEL extern "C" __global__
#define GLOBAL
#define LOCAL_MEM __shared__
#define DEVICE_FN static __device__ __forceinline__
#define BARRIER() __syncthreads()
DEVICE_FN int kiln_dim3(dim3 v, int d) { return d == 0 ? (int) v.x : d == 1 ? (int) v.y : (int) v.z; }
DEVICE_FN int kiln_uint3(uint3 v, int d) { return d == 0 ? (int) v.x : d == 1 ? (int) v.y : (int) v.z; }
#define GLOBAL_ID(d) (kiln_uint3(blockIdx, d) * kiln_dim3(blockDim, d) + kiln_uint3(threadIdx, d))
#define LOCAL_ID(d) kiln_uint3(threadIdx, d)
#define GROUP_ID(d) kiln_uint3(blockIdx, d)
#define LOCAL_SIZE(d) kiln_dim3(blockDim, d)
#define NUM_GROUPS(d) kiln_dim3(gridDim, d)
#define INFINITY_F __int_as_float(0x7f800000)
