package dev.kiln.runtime.tokenize;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * BERT's "basic tokenizer" for uncased models: cleans, lowercases and strips accents from text,
 * then splits it into words at whitespace, punctuation and CJK ideographs.
 *
 * <p>Steps run in the order of HF tokenizers' BertNormalizer (which made the reference ids):
 * clean, space out CJK, NFD and drop Mn marks, lowercase one code point at a time.
 */
final class BertBasic {
  private BertBasic() {}

  /** The words of {@code text}, ready for WordPiece. */
  static List<String> words(String text) {
    String normalized = lowercase(stripAccents(clean(text)));
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < normalized.length(); ) {
      int cp = normalized.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == ' ') {
        flush(word, words);
      } else if (isPunctuation(cp)) {
        flush(word, words);
        words.add(Character.toString(cp));
      } else {
        word.appendCodePoint(cp);
      }
    }
    flush(word, words);
    return words;
  }

  private static void flush(StringBuilder word, List<String> words) {
    if (!word.isEmpty()) {
      words.add(word.toString());
      word.setLength(0);
    }
  }

  /** Drops NUL, U+FFFD and control characters, turns whitespace into plain spaces, spaces out CJK. */
  private static String clean(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      boolean dropped = cp == 0 || cp == 0xFFFD || isControl(cp);
      if (isWhitespace(cp)) {
        sb.append(' ');
      } else if (isChineseChar(cp)) {
        sb.append(' ').appendCodePoint(cp).append(' ');
      } else if (!dropped) {
        sb.appendCodePoint(cp);
      }
    }
    return sb.toString();
  }

  private static String stripAccents(String text) {
    if (isAscii(text)) {
      return text;
    }
    String nfd = Normalizer.normalize(text, Normalizer.Form.NFD);
    StringBuilder sb = new StringBuilder(nfd.length());
    nfd.codePoints()
        .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
        .forEach(sb::appendCodePoint);
    return sb.toString();
  }

  /**
   * Per-code-point full lowercase mapping (so U+0130 becomes "i" plus a dot), without the
   * context rule that makes a word-final sigma ς: HF lowercases each char on its own.
   */
  private static String lowercase(String text) {
    if (isAscii(text)) {
      return text.toLowerCase(Locale.ROOT);
    }
    StringBuilder sb = new StringBuilder(text.length());
    text.codePoints().forEach(cp -> {
      if (cp < 0x80) {
        sb.append((char) Character.toLowerCase(cp));
      } else {
        sb.append(Character.toString(cp).toLowerCase(Locale.ROOT));
      }
    });
    return sb.toString();
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** Tab, LF, CR and the Z* separators, the non-control members of Unicode White_Space. */
  static boolean isWhitespace(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == ' ') {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.SPACE_SEPARATOR
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }

  /**
   * Categories Cc, Cf and Co, except the tab, LF and CR that count as whitespace. This is HF's
   * definition; BERT's Python also drops unassigned code points (Cn), which HF keeps (they become
   * [UNK]). Unpaired surrogates, which Rust strings cannot hold, are dropped too.
   */
  static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.PRIVATE_USE
        || type == Character.SURROGATE;
  }

  /** ASCII punctuation and symbols (33-47, 58-64, 91-96, 123-126) and the Unicode P* categories. */
  static boolean isPunctuation(int cp) {
    if ((cp >= 33 && cp <= 47)
        || (cp >= 58 && cp <= 64)
        || (cp >= 91 && cp <= 96)
        || (cp >= 123 && cp <= 126)) {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION,
          Character.DASH_PUNCTUATION,
          Character.START_PUNCTUATION,
          Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION,
          Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  /** The code points of the CJK Unified Ideographs blocks, exactly as BERT's {@code _is_chinese_char}. */
  static boolean isChineseChar(int cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF)
        || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F)
        || (cp >= 0x2B740 && cp <= 0x2B81F)
        || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0x2F800 && cp <= 0x2FA1F);
  }
}
