package dev.kiln.dsl.diag;

import java.util.ArrayList;
import java.util.List;

/** The text of one source file, split into lines so diagnostics can quote the offending line. */
public final class SourceText {
  private final String name;
  private final String text;
  private final List<String> lines;

  public SourceText(String name, String text) {
    this.name = name;
    this.text = text;
    this.lines = splitLines(text);
  }

  private static List<String> splitLines(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        int end = i > start && text.charAt(i - 1) == '\r' ? i - 1 : i;
        out.add(text.substring(start, end));
        start = i + 1;
      }
    }
    out.add(text.substring(start));
    return List.copyOf(out);
  }

  public String name() {
    return name;
  }

  public String text() {
    return text;
  }

  /** Line {@code n} (1-based) without its line terminator, or "" when out of range. */
  public String line(int n) {
    return n >= 1 && n <= lines.size() ? lines.get(n - 1) : "";
  }

  public int lineCount() {
    return lines.size();
  }
}
