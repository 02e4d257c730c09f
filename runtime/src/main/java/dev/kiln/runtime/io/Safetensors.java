package dev.kiln.runtime.io;

import dev.kiln.runtime.Tensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry points for the safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON mapping names to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an
 * optional {@code "__metadata__"} object of strings), then the little-endian tensor data, with offsets
 * relative to the start of the data.
 *
 * <p>Reading treats the file as hostile: the header is bounded, strictly parsed and fully validated
 * (known dtypes, non-negative dimensions, sizes matching offsets without overflow, offsets inside
 * the data, no overlaps, no duplicate names, string metadata) before any tensor is touched, and
 * every failure is a {@link SafetensorsException} naming the file and the problem. Gaps between
 * tensors and trailing bytes are tolerated. Sub-byte dtypes (F4, F6_*) are not supported.
 */
public final class Safetensors {
  /** The largest header accepted, as in the reference implementation. */
  public static final long MAX_HEADER_BYTES = 100_000_000;

  private Safetensors() {}

  /** Opens and validates {@code path}; close the result to unmap it. */
  public static SafetensorsFile open(Path path) {
    return SafetensorsFile.open(path);
  }

  /** Reads every tensor, in header order, each converted as {@link SafetensorsFile#read} does. */
  public static Map<String, Tensor> readAll(Path path) {
    try (SafetensorsFile file = open(path)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : file.tensors().keySet()) {
        out.put(name, file.read(name));
      }
      return Collections.unmodifiableMap(out);
    }
  }

  /** Writes {@code tensors} (in iteration order) and {@code metadata} to {@code path}, atomically. */
  public static void write(
      Path path, Map<String, ? extends Tensor> tensors, Map<String, String> metadata) {
    SafetensorsWriter writer = new SafetensorsWriter();
    tensors.forEach(writer::add);
    metadata.forEach(writer::metadata);
    writer.write(path);
  }
}
