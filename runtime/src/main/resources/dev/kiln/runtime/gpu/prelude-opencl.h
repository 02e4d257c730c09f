/* Kiln portable kernel prelude: OpenCL C 1.2. The kernel library and generated kernels use only
 * these words for what differs between OpenCL C and CUDA C. */
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL_MEM __local
#define DEVICE_FN static inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d) ((int) get_global_id(d))
#define LOCAL_ID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
#define NUM_GROUPS(d) ((int) get_num_groups(d))
#define INFINITY_F INFINITY
