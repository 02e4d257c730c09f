package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading vocabulary files with errors that name the file, shared by the tokenizer loaders. */
final class VocabFiles {
  private VocabFiles() {}

  static byte[] readAll(InputStream in, String name) {
    if (in == null) {
      throw new KilnException(
          name + ": no input (a null stream, such as a missing class-path resource)");
    }
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new KilnException("cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  static byte[] readAll(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new KilnException(file + " not found (" + what + ")", e);
    } catch (IOException e) {
      throw new KilnException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** {@code bytes} as strict UTF-8: a vocabulary with mangled bytes would silently mis-tokenize. */
  static String utf8(byte[] bytes, String name) {
    CharsetDecoder decoder = StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      CharBuffer out = decoder.decode(in);
      return out.toString();
    } catch (CharacterCodingException e) {
      throw new KilnException(name + ": invalid UTF-8 near byte " + in.position(), e);
    }
  }

  /** The lines of {@code text} split at LF, a trailing CR dropped, and no empty line after a final LF. */
  static String[] lines(String text) {
    String[] lines = text.split("\n", -1);
    int n = lines.length;
    if (n > 0 && lines[n - 1].isEmpty()) {
      n--;
    }
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      String line = lines[i];
      out[i] = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
    return out;
  }
}
