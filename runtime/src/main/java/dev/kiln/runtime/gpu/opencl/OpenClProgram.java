package dev.kiln.runtime.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.kiln.runtime.gpu.Device;
import dev.kiln.runtime.gpu.DeviceException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/** A built OpenCL program of one {@link OpenClDevice}; its kernels are made once per name. */
final class OpenClProgram implements Device.Program {
  private final OpenClDevice device;
  private final MemorySegment program;
  private final Map<String, ClKernel> kernels = new HashMap<>();

  OpenClProgram(OpenClDevice device, MemorySegment program) {
    this.device = device;
    this.program = program;
  }

  @Override
  public Device.Kernel kernel(String name) {
    device.checkOpen();
    ClKernel kernel = kernels.get(name);
    if (kernel == null) {
      MemorySegment handle = device.cl.clCreateKernel(program, name);
      int args = OpenCl.infoInt(
          (s, v, r) -> device.cl.clGetKernelInfo(handle, OpenCl.CL_KERNEL_NUM_ARGS, s, v, r),
          "clGetKernelInfo");
      kernel = new ClKernel(name, handle, args);
      kernels.put(name, kernel);
    }
    return kernel;
  }

  /** Releases the kernels and the program; called by the device's close. */
  void release() {
    for (ClKernel k : kernels.values()) {
      device.cl.clReleaseKernel(k.handle);
    }
    kernels.clear();
    device.cl.clReleaseProgram(program);
  }

  /** One kernel; arguments are set on each launch, as the kernel object is shared. */
  private final class ClKernel implements Device.Kernel {
    private final String name;
    private final MemorySegment handle;
    private final int parameters;

    ClKernel(String name, MemorySegment handle, int parameters) {
      this.name = name;
      this.handle = handle;
      this.parameters = parameters;
    }

    @Override
    public void launch(long[] global, long[] local, Object... args) {
      device.checkOpen();
      int dims = global.length;
      if (dims < 1 || dims > 3 || (local != null && local.length != dims)) {
        throw new DeviceException("kernel " + name + ": global and local sizes need 1 to 3"
            + " dimensions each, the same number; got " + dims + " and "
            + (local == null ? "none" : local.length));
      }
      if (args.length != parameters) {
        throw new DeviceException(
            "kernel " + name + " takes " + parameters + " arguments, got " + args.length);
      }
      boolean empty = false;
      for (int d = 0; d < dims; d++) {
        long l = local == null ? 1 : local[d];
        if (global[d] < 0 || l <= 0 || global[d] % l != 0) {
          throw new DeviceException("kernel " + name + ": the global size " + global[d]
              + " of dimension " + d + " must be a multiple of the local size " + l);
        }
        empty |= global[d] == 0;
        device.globalSize.setAtIndex(JAVA_LONG, d, global[d]);
        if (local != null) {
          device.localSize.setAtIndex(JAVA_LONG, d, local[d]);
        }
      }
      for (int i = 0; i < args.length; i++) {
        setArg(i, args[i]);
      }
      if (empty) {
        return; // nothing to run; OpenCL 1.2 rejects an empty range
      }
      int status = device.cl.clEnqueueNDRangeKernel(
          device.queue,
          handle,
          dims,
          device.globalSize,
          local == null ? MemorySegment.NULL : device.localSize);
      ClError.check(status, "clEnqueueNDRangeKernel(" + name + ")");
    }

    private void setArg(int i, Object arg) {
      MemorySegment v = device.argValue;
      long size;
      switch (arg) {
        case Device.Buffer b -> {
          v.set(ADDRESS, 0, device.own(b).mem);
          size = ADDRESS.byteSize();
        }
        case Integer x -> {
          v.set(JAVA_INT, 0, x);
          size = 4;
        }
        case Long x -> {
          v.set(JAVA_LONG, 0, x);
          size = 8;
        }
        case Float x -> {
          v.set(JAVA_FLOAT, 0, x);
          size = 4;
        }
        case null -> throw new DeviceException("kernel " + name + ": argument " + i + " is null");
        default ->
          throw new DeviceException("kernel " + name + ": argument " + i + " is a "
              + arg.getClass().getSimpleName() + "; kernels take Buffer, Integer, Long or Float");
      }
      int status = device.cl.clSetKernelArg(handle, i, size, v);
      ClError.check(status, "clSetKernelArg(" + name + ", argument " + i + ")");
    }
  }
}
