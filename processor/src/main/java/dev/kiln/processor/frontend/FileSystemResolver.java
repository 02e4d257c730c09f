package dev.kiln.processor.frontend;

import dev.kiln.dsl.diag.SourceText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves model files on disk: imports relative to the importing file, root files against a list of
 * search directories. Files are read as strict UTF-8; the name a file is known by in diagnostics is
 * the path as found.
 */
public final class FileSystemResolver implements SourceResolver {
  private final List<Path> searchPath;

  public FileSystemResolver(List<Path> searchPath) {
    this.searchPath = List.copyOf(searchPath);
  }

  @Override
  public SourceText resolve(String fromFile, String path) {
    List<Path> candidates = new ArrayList<>();
    Path p = Path.of(path);
    if (p.isAbsolute()) {
      candidates.add(p);
    } else {
      if (fromFile != null) {
        Path parent = Path.of(fromFile).toAbsolutePath().getParent();
        if (parent != null) {
          candidates.add(parent.resolve(path));
        }
      }
      for (Path dir : searchPath) {
        candidates.add(dir.resolve(path));
      }
    }
    for (Path c : candidates) {
      if (Files.isRegularFile(c)) {
        return read(c);
      }
    }
    return null;
  }

  /** Reads a model file as strict UTF-8. */
  public static SourceText read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
      return new SourceText(file.toString(), text);
    } catch (CharacterCodingException e) {
      throw new UncheckedIOException(file + ": not valid UTF-8 text", e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          file + ": cannot read (" + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
          e);
    }
  }
}
