package dev.kiln.runtime.gpu.cuda;

/** Small kernels written against the portable prelude, shared by the CUDA tests. */
final class TestKernels {
  private TestKernels() {}

  /** {@code c = a + b} over {@code n} elements, through a prelude device function. */
  static final String VADD = """
      DEVICE_FN float add(float a, float b) { return a + b; }
      KERNEL void vadd(GLOBAL const float* a, GLOBAL const float* b, GLOBAL float* c, int n) {
        int i = GLOBAL_ID(0);
        if (i < n) c[i] = add(a[i], b[i]);
      }
      """;

  /** One partial sum per work group of up to 256 items, through local memory and barriers. */
  static final String BLOCK_SUM = """
      KERNEL void block_sum(GLOBAL const float* x, GLOBAL float* out, int n) {
        LOCAL_MEM float tile[256];
        int lid = LOCAL_ID(0);
        int gid = GLOBAL_ID(0);
        tile[lid] = gid < n ? x[gid] : 0.0f;
        BARRIER();
        for (int s = LOCAL_SIZE(0) / 2; s > 0; s >>= 1) {
          if (lid < s) tile[lid] += tile[lid + s];
          BARRIER();
        }
        if (lid == 0) out[GROUP_ID(0)] = tile[0];
      }
      """;

  /**
   * {@code y[i] = s * x[idx[i]]}: int buffers and Integer, Long and Float arguments; the helper is a
   * plain C function, as OpenCL C allows.
   */
  static final String GATHER = """
      static float scaled(float v, float s) { return v * s; }
      KERNEL void gather(GLOBAL const int* idx, GLOBAL const float* x, GLOBAL float* y, float s,
                         long n, int unused) {
        long i = GLOBAL_ID(0);
        if (i < n) y[i] = scaled(x[idx[i]], s);
      }
      """;

  /** A syntax error on line 2 of the kernel source. */
  static final String BROKEN = """
      KERNEL void broken(GLOBAL float* x) {
        x[0] = 1.0f +;
      }
      """;
}
