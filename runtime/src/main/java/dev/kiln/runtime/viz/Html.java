package dev.kiln.runtime.viz;

/** Text for HTML pages Kiln writes (attention views, training plots). */
public final class Html {
  private Html() {}

  /** {@code s} as HTML text or attribute value: {@code & < > "} escaped. */
  public static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
