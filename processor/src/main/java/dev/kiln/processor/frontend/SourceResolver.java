package dev.kiln.processor.frontend;

import dev.kiln.dsl.diag.SourceText;

/** Finds the text of a {@code .model} file: the one a model names, or one another file imports. */
public interface SourceResolver {
  /**
   * The file {@code path} as seen from {@code fromFile} (null for the root file), or null when it
   * cannot be found. Throws {@link java.io.UncheckedIOException} when it exists but cannot be read.
   */
  SourceText resolve(String fromFile, String path);
}
