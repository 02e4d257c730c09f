package dev.kiln.dsl.parse;

import java.util.List;
import java.util.Locale;

/** Finds the keyword a misspelled word was most likely meant to be ({@code modle} is {@code model}). */
final class Spelling {
  private Spelling() {}

  /** The keyword {@code word} is most likely a misspelling of, or null when none is close enough. */
  static String closestKeyword(String word, List<String> keywords) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String keyword : keywords) {
      // Short keywords tolerate one typo, longer ones two; otherwise every short name would match.
      int limit = keyword.length() <= 4 ? 1 : 2;
      int distance = distance(word.toLowerCase(Locale.ROOT), keyword);
      if (word.length() >= 2 && distance <= limit && distance < bestDistance) {
        best = keyword;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Optimal-string-alignment distance: edits, with a swap of two neighbours counting as one. */
  static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return Integer.MAX_VALUE; // too far apart anyway; spares the table for long names
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
