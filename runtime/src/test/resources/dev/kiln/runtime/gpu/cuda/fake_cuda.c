/* A stand-in for libcuda.so.1 and libnvrtc in one library, for CudaFakeDriverTest on machines
 * without an NVIDIA GPU. "Device" memory is host memory; "PTX" is the kernel source itself; a launch
 * runs a C version of the test kernel of that name over the grid. It enforces what the real driver
 * enforces that Kiln could get wrong: a current context on the calling thread, live pointers, exact
 * argument passing through void** and the grid arithmetic. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define OK 0
#define INVALID_VALUE 1
#define OUT_OF_MEMORY 2
#define INVALID_CONTEXT 201
#define NOT_FOUND 500
#define MEMORY 1024L * 1024 * 1024

static __thread void *current;
static int context_token, retained, live, loaded;
static long used;

static int ctx(void) { return current == &context_token ? OK : INVALID_CONTEXT; }

int cuInit(int flags) { return flags == 0 ? OK : INVALID_VALUE; }
int cuDriverGetVersion(int *v) { *v = 13000; return OK; }
int cuDeviceGetCount(int *n) { *n = 1; return OK; }
int cuDeviceGet(int *d, int ordinal) { if (ordinal != 0) return INVALID_VALUE; *d = 0; return OK; }
int cuDeviceGetName(char *name, int len, int d) { snprintf(name, len, "Kiln Fake GPU"); return OK; }
int cuDeviceTotalMem_v2(size_t *bytes, int d) { *bytes = MEMORY; return OK; }
int cuDeviceGetAttribute(int *v, int attribute, int d) {
  if (attribute == 75) { *v = 8; return OK; }
  if (attribute == 76) { *v = 6; return OK; }
  return INVALID_VALUE;
}
int cuDevicePrimaryCtxRetain(void **c, int d) { retained++; *c = &context_token; return OK; }
int cuDevicePrimaryCtxRelease_v2(int d) { retained--; return OK; }
int cuCtxSetCurrent(void *c) { current = c; return OK; }
int cuCtxSynchronize(void) { return ctx(); }
int cuMemGetInfo_v2(size_t *free, size_t *total) { *free = MEMORY - used; *total = MEMORY; return ctx(); }
int cuMemAlloc_v2(unsigned long long *p, size_t bytes) {
  if (ctx()) return INVALID_CONTEXT;
  if (bytes == 0) return INVALID_VALUE;
  if (used + (long) bytes > MEMORY) return OUT_OF_MEMORY;
  long *block = malloc(bytes + 16);
  block[0] = (long) bytes; /* size kept in front, so frees can be accounted */
  used += bytes;
  live++;
  *p = (unsigned long long) (block + 2);
  return OK;
}
int cuMemFree_v2(unsigned long long p) {
  if (ctx()) return INVALID_CONTEXT;
  long *block = (long *) p - 2;
  used -= block[0];
  live--;
  free(block);
  return OK;
}
int cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t n) {
  if (ctx()) return INVALID_CONTEXT;
  memcpy((void *) dst, src, n);
  return OK;
}
int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t n) {
  if (ctx()) return INVALID_CONTEXT;
  memcpy(dst, (void *) src, n);
  return OK;
}
int cuModuleLoadData(void **module, const void *image) {
  if (ctx()) return INVALID_CONTEXT;
  *module = strdup(image);
  loaded++;
  return OK;
}
int cuModuleUnload(void *module) { free(module); loaded--; return ctx(); }
int cuModuleGetFunction(void **f, void *module, const char *name) {
  if (ctx()) return INVALID_CONTEXT;
  char decl[128];
  snprintf(decl, sizeof decl, "KERNEL void %s(", name);
  if (!strstr(module, decl)) return NOT_FOUND;
  *f = strdup(name); /* leaked on purpose: functions live as long as their module */
  return OK;
}
int cuLaunchKernel(const char *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared, void *stream, void **p, void **extra) {
  if (ctx()) return INVALID_CONTEXT;
  if (bx * by * bz > 1024 || gy != 1 || gz != 1 || by != 1 || bz != 1) return INVALID_VALUE;
  long items = (long) gx * bx;
  if (!strcmp(f, "vadd")) {
    float *a = *(float **) p[0], *b = *(float **) p[1], *c = *(float **) p[2];
    int n = *(int *) p[3];
    for (long i = 0; i < items && i < n; i++) c[i] = a[i] + b[i];
  } else if (!strcmp(f, "block_sum")) {
    float *x = *(float **) p[0], *out = *(float **) p[1];
    int n = *(int *) p[2];
    for (unsigned g = 0; g < gx; g++) {
      float s = 0;
      for (long i = (long) g * bx; i < (long) (g + 1) * bx; i++) s += i < n ? x[i] : 0;
      out[g] = s;
    }
  } else if (!strcmp(f, "gather")) {
    int *idx = *(int **) p[0];
    float *x = *(float **) p[1], *y = *(float **) p[2], s = *(float *) p[3];
    long n = *(long *) p[4];
    for (long i = 0; i < items && i < n; i++) y[i] = x[idx[i]] * s;
  } else {
    return INVALID_VALUE;
  }
  return OK;
}
int cuGetErrorName(int e, const char **s) {
  *s = e == INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE"
     : e == OUT_OF_MEMORY ? "CUDA_ERROR_OUT_OF_MEMORY"
     : e == INVALID_CONTEXT ? "CUDA_ERROR_INVALID_CONTEXT"
     : e == NOT_FOUND ? "CUDA_ERROR_NOT_FOUND" : "CUDA_ERROR_UNKNOWN";
  return OK;
}
int cuGetErrorString(int e, const char **s) { *s = "fake"; return OK; }

/* What the test asks afterwards: allocations, modules and context references still held. */
int fake_live(void) { return live * 10000 + loaded * 100 + retained; }

/* NVRTC: "compiles" by keeping the source; fails on the test's syntax error. */
typedef struct { char *src, *log; } program;
int nvrtcVersion(int *major, int *minor) { *major = 13; *minor = 0; return 0; }
int nvrtcGetNumSupportedArchs(int *n) { *n = 3; return 0; }
int nvrtcGetSupportedArchs(int *a) { a[0] = 75; a[1] = 80; a[2] = 86; return 0; }
const char *nvrtcGetErrorString(int e) { return e == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR"; }
int nvrtcCreateProgram(program **p, const char *src, const char *name, int nh, void *h, void *hn) {
  *p = calloc(1, sizeof(program));
  (*p)->src = strdup(src);
  return 0;
}
int nvrtcCompileProgram(program *p, int n, const char **options) {
  int arch = 0;
  for (int i = 0; i < n; i++) arch |= !strcmp(options[i], "--gpu-architecture=compute_86");
  if (!arch) { p->log = strdup("fake nvrtc: expected --gpu-architecture=compute_86"); return 6; }
  if (strstr(p->src, "+;")) { p->log = strdup("kernel.cu(2): error: expected an expression"); return 6; }
  p->log = strdup("");
  /* The PTX: an .entry line per kernel (as NVRTC writes them), then the source for the launcher. */
  size_t size = strlen(p->src) + 1;
  for (const char *k = p->src; (k = strstr(k, "KERNEL void ")); k++) size += 64;
  char *ptx = calloc(size, 1);
  for (const char *k = p->src; (k = strstr(k, "KERNEL void ")); k++) {
    char name[48];
    if (sscanf(k + 12, "%47[A-Za-z0-9_]", name) == 1) sprintf(ptx + strlen(ptx), ".entry %s(\n", name);
  }
  strcat(ptx, p->src);
  free(p->src);
  p->src = ptx;
  return 0;
}
int nvrtcGetProgramLogSize(program *p, size_t *n) { *n = strlen(p->log) + 1; return 0; }
int nvrtcGetProgramLog(program *p, char *log) { strcpy(log, p->log); return 0; }
int nvrtcGetPTXSize(program *p, size_t *n) { *n = strlen(p->src) + 1; return 0; }
int nvrtcGetPTX(program *p, char *ptx) { strcpy(ptx, p->src); return 0; }
int nvrtcDestroyProgram(program **p) { free((*p)->src); free((*p)->log); free(*p); *p = 0; return 0; }
