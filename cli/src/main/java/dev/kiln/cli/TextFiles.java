package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads training text: strict UTF-8, not empty, with errors that name the file. */
final class TextFiles {
  private TextFiles() {}

  static String read(Path p) {
    try {
      byte[] bytes = Files.readAllBytes(p);
      if (bytes.length == 0) {
        throw new KilnException(p + ": the data file is empty");
      }
      String text = StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
      if (text.isBlank()) {
        throw new KilnException(p + ": the data file holds only whitespace");
      }
      return text;
    } catch (CharacterCodingException e) {
      throw new KilnException(p + ": not UTF-8 text (use a UTF-8 file, or a token file)");
    } catch (NoSuchFileException e) {
      throw new KilnException(p + ": no such data file");
    } catch (IOException e) {
      throw new KilnException(p + ": cannot read (" + e.getMessage() + ")");
    }
  }
}
