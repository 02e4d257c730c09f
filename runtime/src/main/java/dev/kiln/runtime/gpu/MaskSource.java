package dev.kiln.runtime.gpu;

import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.regex.Pattern;

/**
 * Renders an attention {@link Mask} (a tree of {@link Masks} records) as portable kernel C: the
 * functions {@code NAME_lo(q, tk)}, {@code NAME_hi(q, tk)}, {@code NAME_visible(q, k)} and the constant
 * {@code NAME_EXACT}, which agree with the mask's {@code lo}, {@code hi}, {@code visible} and
 * {@code exact} for every argument.
 *
 * <p>Each node of the tree becomes its own three functions (children first, so C sees them before use),
 * which the device compiler inlines. Arithmetic that Java does on wrapping {@code int}s is done in
 * {@code long} and narrowed, so it wraps the same way instead of overflowing (undefined in C).
 */
public final class MaskSource {
  private MaskSource() {}

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** The C text for {@code mask} under the prefix {@code name} (a C identifier). */
  public static String render(String name, Mask mask) {
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException("mask function prefix is not a C identifier: " + name);
    }
    StringBuilder c = new StringBuilder();
    c.append("/* mask ").append(mask.describe()).append(" */\n");
    c.append("DEVICE_FN int ")
        .append(name)
        .append("_wrap(long x) { return (int) x; } /* Java's int overflow */\n");
    String root = new Renderer(name, c).node(mask);
    c.append("DEVICE_FN int ")
        .append(name)
        .append("_lo(int q, int tk) { return ")
        .append(root)
        .append("_lo(q, tk); }\n");
    c.append("DEVICE_FN int ")
        .append(name)
        .append("_hi(int q, int tk) { return ")
        .append(root)
        .append("_hi(q, tk); }\n");
    c.append("DEVICE_FN int ")
        .append(name)
        .append("_visible(int q, int k) { return ")
        .append(root)
        .append("_visible(q, k); }\n");
    c.append("#define ")
        .append(name)
        .append("_EXACT ")
        .append(mask.exact() ? 1 : 0)
        .append('\n');
    return c.toString();
  }

  /** Emits one node's functions after its children's; numbers nodes in that order. */
  private static final class Renderer {
    private final String prefix;
    private final StringBuilder c;
    private int next;

    Renderer(String prefix, StringBuilder c) {
      this.prefix = prefix;
      this.c = c;
    }

    /** Renders {@code m} and returns the name its functions carry (without the suffix). */
    String node(Mask m) {
      String lo;
      String hi;
      String visible;
      String wrap = prefix + "_wrap";
      switch (m) {
        case Masks.Full f -> {
          lo = "return 0;";
          hi = "return tk;";
          visible = "return 1;";
        }
        case Masks.Causal cm -> {
          lo = "return 0;";
          hi = "int e = " + wrap + "((long) q + 1); return e < tk ? e : tk;";
          visible = "return k <= q;";
        }
        case Masks.Band b -> {
          int w = b.w();
          lo = "int e = " + wrap + "((long) q - " + w + " + 1); return e > 0 ? e : 0;";
          hi = "long e = (long) q + " + w + "; return e < tk ? (int) e : tk;";
          visible = "int d = " + wrap + "((long) q - k); int a = d < 0 ? " + wrap
              + "(-(long) d) : d; return a < " + w + ";";
        }
        case Masks.Strided s -> {
          lo = "return 0;";
          hi = "return tk;";
          // (q - k) mod s == 0 holds for the truncated remainder exactly when for floorMod.
          visible = "return " + wrap + "((long) q - k) % " + s.s() + " == 0;";
        }
        case Masks.Fixed fx -> {
          lo = "return 0;";
          hi = "return tk;";
          // C's % truncates like Java's, so negative k behave alike too.
          visible = "return k % " + fx.l() + " >= " + (fx.l() - fx.c()) + ";";
        }
        case Masks.Shifted sh -> {
          String inner = node(sh.m());
          String shifted = wrap + "((long) q + " + sh.offset() + ")";
          lo = "return " + inner + "_lo(" + shifted + ", tk);";
          hi = "return " + inner + "_hi(" + shifted + ", tk);";
          visible = "return " + inner + "_visible(" + shifted + ", k);";
        }
        case Masks.And and -> {
          String a = node(and.a());
          String b = node(and.b());
          lo = pair(a, b, "_lo(q, tk)", ">");
          hi = pair(a, b, "_hi(q, tk)", "<");
          visible = "return " + a + "_visible(q, k) && " + b + "_visible(q, k);";
        }
        case Masks.Or or -> {
          String a = node(or.a());
          String b = node(or.b());
          lo = pair(a, b, "_lo(q, tk)", "<");
          hi = pair(a, b, "_hi(q, tk)", ">");
          visible = "return " + a + "_visible(q, k) || " + b + "_visible(q, k);";
        }
        case Masks.Not not -> {
          String a = node(not.a());
          lo = "return 0;";
          hi = "return tk;";
          visible = "return !" + a + "_visible(q, k);";
        }
        default ->
          throw new IllegalArgumentException(
              "mask " + m.describe() + " (" + m.getClass().getName()
                  + ") has no device form: only the masks built by dev.kiln.runtime.mask.Masks do");
      }
      String id = prefix + "_n" + next++;
      c.append("DEVICE_FN int ")
          .append(id)
          .append("_lo(int q, int tk) { ")
          .append(lo)
          .append(" }\n");
      c.append("DEVICE_FN int ")
          .append(id)
          .append("_hi(int q, int tk) { ")
          .append(hi)
          .append(" }\n");
      c.append("DEVICE_FN int ")
          .append(id)
          .append("_visible(int q, int k) { ")
          .append(visible)
          .append(" }\n");
      return id;
    }

    /** {@code a(call) op b(call) ? a : b}: the larger ({@code >}) or smaller ({@code <}) of two. */
    private static String pair(String a, String b, String call, String op) {
      return "int x = " + a + call + "; int y = " + b + call + "; return x " + op + " y ? x : y;";
    }
  }
}
