package dev.kiln.runtime.tokenize;

/**
 * UTF-8 decoding that replaces each maximal ill-formed subpart with one U+FFFD (Unicode's
 * recommended practice, and what Python's {@code errors="replace"} does). The JDK's decoder
 * differs on encoded surrogates (ED A0 80 gives one U+FFFD there, three here and in Python).
 */
final class Utf8 {
  private Utf8() {}

  static String decode(byte[] bytes) {
    char[] out = new char[bytes.length]; // never more UTF-16 units than bytes
    int n = 0;
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      if (b < 0x80) {
        out[n++] = (char) b;
        i++;
        continue;
      }
      int need;
      int lo = 0x80;
      int hi = 0xBF;
      int cp;
      if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        cp = b & 0x1F;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        cp = b & 0x0F;
        lo = b == 0xE0 ? 0xA0 : 0x80; // no overlong forms
        hi = b == 0xED ? 0x9F : 0xBF; // no surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        cp = b & 0x07;
        lo = b == 0xF0 ? 0x90 : 0x80; // no overlong forms
        hi = b == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
      } else {
        out[n++] = '\uFFFD';
        i++;
        continue;
      }
      int j = i + 1;
      boolean complete = true;
      for (int k = 0; k < need; k++, j++) {
        int c = j < bytes.length ? bytes[j] & 0xff : -1;
        // Only the first continuation byte has a narrowed range.
        if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF)) {
          complete = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3F);
      }
      if (complete) {
        n += Character.toChars(cp, out, n);
      } else {
        out[n++] = '\uFFFD';
      }
      i = j;
    }
    return new String(out, 0, n);
  }
}
