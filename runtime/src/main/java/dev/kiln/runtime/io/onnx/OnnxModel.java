package dev.kiln.runtime.io.onnx;

import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX model file read for its weights and graph structure: the graph's nodes, initializers,
 * inputs and outputs, with tensor data decoded only when asked for. Any malformed input throws
 * {@link OnnxException} naming the file, the message path and the byte offset.
 */
public final class OnnxModel {
  private final String source;
  private final long irVersion;
  private final String producerName;
  private final String producerVersion;
  private final Map<String, Long> opsetImports;
  private final OnnxGraph graph;

  OnnxModel(
      String source,
      long irVersion,
      String producerName,
      String producerVersion,
      Map<String, Long> opsetImports,
      OnnxGraph graph) {
    this.source = source;
    this.irVersion = irVersion;
    this.producerName = producerName;
    this.producerVersion = producerVersion;
    this.opsetImports = Collections.unmodifiableMap(new LinkedHashMap<>(opsetImports));
    this.graph = graph;
  }

  /**
   * Reads {@code file}, memory-mapped: tensor data is copied out of the mapping only by {@link
   * OnnxTensorProto#toTensor()}. The mapping is released when this model is garbage collected.
   */
  public static OnnxModel read(Path file) {
    String source = file.toString();
    MemorySegment seg;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
    } catch (IOException e) {
      throw new OnnxException(source, "cannot read: " + describe(e), e);
    }
    return ModelParser.parse(seg, source);
  }

  /** Reads a model held in memory; {@code source} names it in error messages. */
  public static OnnxModel read(byte[] bytes, String source) {
    return ModelParser.parse(MemorySegment.ofArray(bytes), source);
  }

  /** The file or source name the model was read from. */
  public String source() {
    return source;
  }

  /** The ONNX IR version the file declares. */
  public long irVersion() {
    return irVersion;
  }

  /** The tool that wrote the file, e.g. {@code pytorch}. */
  public String producerName() {
    return producerName;
  }

  /** The version of that tool. */
  public String producerVersion() {
    return producerVersion;
  }

  /** Operator set versions by domain ("" is the default ONNX domain). */
  public Map<String, Long> opsetImports() {
    return opsetImports;
  }

  /** The main graph. */
  public OnnxGraph graph() {
    return graph;
  }

  /** The initializer named {@code name}, decoded; see {@link OnnxTensorProto#toTensor()}. */
  public Tensor tensor(String name) {
    return graph
        .initializer(name)
        .orElseThrow(
            () -> new OnnxException(source, "graph has no initializer named '" + name + "'"))
        .toTensor();
  }

  /** FileSystemExceptions carry the path in getMessage() and often no reason, so name the type instead. */
  private static String describe(IOException e) {
    return switch (e) {
      case NoSuchFileException f -> "no such file";
      case AccessDeniedException f -> "permission denied";
      case FileSystemException f when f.getReason() != null -> f.getReason();
      default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    };
  }
}
