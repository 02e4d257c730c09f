package dev.kiln.runtime.gpu;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * Device copies of host {@code int[]}s (token ids, targets, positions, lengths) for {@link
 * DeviceKernels#ints}: one buffer per array identity, refilled on every upload since callers reuse
 * arrays with new contents. Each upload keeps a host copy of what it sent, so kernels that the CPU
 * guards with an id check can run the same check before launching.
 *
 * <p>Arrays are held weakly: when one is garbage collected its buffer goes to the next new array
 * instead of leaking (a data loader may hand out a fresh array per batch). Only a handful of arrays
 * are live at a time, so lookups are linear scans.
 */
final class IntUploads {
  private final Device device;
  private final List<Upload> uploads = new ArrayList<>();

  IntUploads(Device device) {
    this.device = device;
  }

  /** One array's buffer and what was last written to it. */
  private static final class Upload {
    WeakReference<int[]> array;
    Device.Buffer buffer;
    long capacity; // ints
    int[] contents;

    Upload(int[] array, Device.Buffer buffer, long capacity) {
      this.array = new WeakReference<>(array);
      this.buffer = buffer;
      this.capacity = capacity;
    }
  }

  /** Uploads {@code host} and returns its buffer. */
  Device.Buffer upload(int[] host) {
    Upload u = find(host);
    if (u == null) {
      u = adoptStale(host);
    }
    if (u == null) {
      u = new Upload(host, allocate(host.length), Math.max(1, host.length));
      uploads.add(u);
    } else if (u.capacity < host.length) {
      // Launches queued earlier may still read the old buffer: let them finish before freeing it.
      device.finish();
      u.buffer.close();
      u.buffer = allocate(host.length);
      u.capacity = host.length;
    }
    u.contents = host.clone();
    if (host.length > 0) {
      device.write(u.buffer, 0, host, 0, host.length);
    }
    return u.buffer;
  }

  /** The contents last uploaded into {@code buffer}, or null if it is not an upload of ours. */
  int[] contents(Device.Buffer buffer) {
    for (Upload u : uploads) {
      if (u.buffer == buffer) {
        return u.contents;
      }
    }
    return null;
  }

  /** Frees every buffer. */
  void close() {
    for (Upload u : uploads) {
      u.buffer.close();
    }
    uploads.clear();
  }

  private Upload find(int[] host) {
    for (Upload u : uploads) {
      if (u.array.get() == host) {
        return u;
      }
    }
    return null;
  }

  /** Hands the buffer of a collected array to {@code host}, or returns null if there is none. */
  private Upload adoptStale(int[] host) {
    for (Upload u : uploads) {
      if (u.array.get() == null) {
        u.array = new WeakReference<>(host);
        u.contents = null;
        return u;
      }
    }
    return null;
  }

  private Device.Buffer allocate(int ints) {
    return device.allocate(Math.max(1, (long) ints) * Integer.BYTES);
  }
}
