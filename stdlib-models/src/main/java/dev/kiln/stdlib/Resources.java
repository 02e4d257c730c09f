package dev.kiln.stdlib;

import dev.kiln.runtime.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The standard library's bundled files (corpora, tokenizer vocabularies, model definitions) on the classpath. */
public final class Resources {
  private static final String ROOT = "/dev/kiln/stdlib/";

  private Resources() {}

  /** The bytes of bundled file {@code name} (e.g. {@code corpus/austen-persuasion.txt}). */
  public static byte[] bytes(String name) {
    try (InputStream in = Resources.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new KilnException("no bundled file '" + name + "' in the Kiln standard library");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read bundled file " + name, e);
    }
  }

  public static String text(String name) {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  /**
   * A bundled file copied to {@code dir} (once; the copy is reused), for tools that need a path, such
   * as the model compiler resolving a {@code .model} file's imports.
   */
  public static Path extract(String name, Path dir) {
    Path target = dir.resolve(name);
    try {
      byte[] data = bytes(name);
      if (!Files.exists(target) || !java.util.Arrays.equals(Files.readAllBytes(target), data)) {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".extract", ".tmp");
        Files.write(tmp, data);
        Files.move(
            tmp,
            target,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract bundled file " + name + " to " + dir, e);
    }
  }
}
