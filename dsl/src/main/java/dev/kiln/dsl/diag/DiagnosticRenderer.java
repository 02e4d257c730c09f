package dev.kiln.dsl.diag;

import dev.kiln.dsl.ast.Span;
import java.util.Map;

/**
 * Renders diagnostics the way a good compiler does:
 *
 * <pre>
 * tiny.model:12:21: error: attention heads (12) must divide d (770)
 *    12 |   x = x + attention(layernorm(x), 12)
 *       |           ^^^^^^^^^
 *   hint: give head_dim explicitly, or choose heads that divide d
 * </pre>
 */
public final class DiagnosticRenderer {
  private final Map<String, SourceText> sources;

  /** {@code sources} maps a span's file name to its text; files not in the map render without a quote. */
  public DiagnosticRenderer(Map<String, SourceText> sources) {
    this.sources = Map.copyOf(sources);
  }

  public String render(Diagnostic d) {
    StringBuilder sb = new StringBuilder(d.headline());
    Span span = d.span();
    SourceText src = span == null ? null : sources.get(span.file());
    if (src != null && span.line() >= 1 && span.line() <= src.lineCount()) {
      String text = src.line(span.line());
      String number = Integer.toString(span.line());
      String gutter = " ".repeat(number.length());
      sb.append('\n').append(' ').append(number).append(" | ").append(text);
      int start = Math.max(1, span.column());
      int end = span.endLine() == span.line() ? span.endColumn() : text.length() + 1;
      end = Math.max(start + 1, Math.min(end, Math.max(text.length() + 1, start + 1)));
      sb.append('\n').append(' ').append(gutter).append(" | ");
      for (int i = 1; i < start; i++) {
        sb.append(i - 1 < text.length() && text.charAt(i - 1) == '\t' ? '\t' : ' ');
      }
      sb.append("^".repeat(end - start));
    }
    if (d.hint() != null && !d.hint().isEmpty()) {
      sb.append("\n  hint: ").append(d.hint());
    }
    return sb.toString();
  }
}
