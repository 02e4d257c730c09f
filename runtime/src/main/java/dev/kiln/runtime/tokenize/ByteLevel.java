package dev.kiln.runtime.tokenize;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible map between bytes and printable characters, so that a BPE vocabulary of
 * strings can spell every byte sequence without whitespace or control characters in its entries.
 */
final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    // Printable Latin-1 bytes stand for themselves; the other 68 are shifted up past U+00FF in
    // byte order, exactly as OpenAI's bytes_to_unicode() does.
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = (char) (printable ? b : next++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The character that spells byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b];
  }

  /** The byte a byte-level character stands for, or -1 if {@code c} is not one. */
  static int byteOf(char c) {
    return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
  }

  /**
   * UTF-8 of {@code s}, with each unpaired surrogate encoded as U+FFFD: Python and Rust strings
   * cannot hold one, so there is no reference behaviour to copy, and this keeps encoding total.
   */
  static byte[] utf8(String s) {
    boolean clean = true;
    for (int i = 0; i < s.length() && clean; i++) {
      clean = !Character.isSurrogate(s.charAt(i));
    }
    if (clean) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints()
        .forEach(cp -> sb.appendCodePoint(
            cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The byte-level spelling of {@code bytes}, one character per byte. */
  static String spell(byte[] bytes) {
    char[] chars = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      chars[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
    }
    return new String(chars);
  }

  /** The bytes a byte-level spelling stands for, or null if some character is not byte-level. */
  static byte[] unspell(String token) {
    byte[] bytes = new byte[token.length()];
    for (int i = 0; i < bytes.length; i++) {
      int b = byteOf(token.charAt(i));
      if (b < 0) {
        return null;
      }
      bytes[i] = (byte) b;
    }
    return bytes;
  }
}
