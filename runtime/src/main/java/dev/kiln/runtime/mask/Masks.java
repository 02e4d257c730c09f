package dev.kiln.runtime.mask;

/**
 * The mask algebra: {@code causal}, {@code band(w)}, {@code strided(s)}, {@code fixed(l, c)},
 * {@code full}, combined with {@code and}, {@code or}, {@code not}. ({@code padding} depends on
 * per-sequence lengths and is applied by the attention kernels from a lengths array.) The records are
 * public so that other backends can translate a mask (the GPU kernels render it as C).
 */
public final class Masks {
  private Masks() {}

  /** Every key visible. */
  public static Mask full() {
    return new Full();
  }

  /** {@code k <= q}. */
  public static Mask causal() {
    return new Causal();
  }

  /**
   * {@code band(w)}: {@code |q - k| < w}. Combined with causal ({@code causal & band(w)}) this is the
   * local causal window {@code q - w < k <= q} of GPT-3's banded layers.
   */
  public static Mask band(int w) {
    if (w <= 0) {
      throw new IllegalArgumentException("band width must be positive, got " + w);
    }
    return new Band(w);
  }

  /** {@code strided(s)}: {@code (q - k) mod s == 0} (Sparse Transformer, strided pattern). */
  public static Mask strided(int s) {
    if (s <= 0) {
      throw new IllegalArgumentException("stride must be positive, got " + s);
    }
    return new Strided(s);
  }

  /** {@code fixed(l, c)}: {@code k mod l >= l - c} (Sparse Transformer, fixed pattern's summary columns). */
  public static Mask fixed(int l, int c) {
    if (l <= 0 || c <= 0 || c > l) {
      throw new IllegalArgumentException("fixed(l, c) needs 0 < c <= l, got l=" + l + ", c=" + c);
    }
    return new Fixed(l, c);
  }

  /**
   * The mask seen by queries that start at absolute position {@code offset}: query {@code q} is
   * position {@code q + offset}. Incremental decoding attends from new tokens to a cache this way.
   */
  public static Mask shift(Mask m, int offset) {
    return offset == 0 ? m : new Shifted(m, offset);
  }

  public static Mask and(Mask a, Mask b) {
    return new And(a, b);
  }

  public static Mask or(Mask a, Mask b) {
    return new Or(a, b);
  }

  public static Mask not(Mask a) {
    return new Not(a);
  }

  /** {@link #full()}. */
  public record Full() implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return true;
    }

    @Override
    public int lo(int q, int tk) {
      return 0;
    }

    @Override
    public int hi(int q, int tk) {
      return tk;
    }

    @Override
    public boolean exact() {
      return true;
    }

    @Override
    public String describe() {
      return "full";
    }
  }

  /** {@link #causal()}. */
  public record Causal() implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return k <= q;
    }

    @Override
    public int lo(int q, int tk) {
      return 0;
    }

    @Override
    public int hi(int q, int tk) {
      return Math.min(q + 1, tk);
    }

    @Override
    public boolean exact() {
      return true;
    }

    @Override
    public String describe() {
      return "causal";
    }
  }

  /** {@link #band(int)}. */
  public record Band(int w) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return Math.abs(q - k) < w;
    }

    @Override
    public int lo(int q, int tk) {
      return Math.max(0, q - w + 1);
    }

    @Override
    public int hi(int q, int tk) {
      return (int) Math.min((long) q + w, tk);
    }

    @Override
    public boolean exact() {
      return true;
    }

    @Override
    public String describe() {
      return "band(" + w + ")";
    }
  }

  /** {@link #strided(int)}. */
  public record Strided(int s) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return Math.floorMod(q - k, s) == 0;
    }

    @Override
    public int lo(int q, int tk) {
      return 0;
    }

    @Override
    public int hi(int q, int tk) {
      return tk;
    }

    @Override
    public boolean exact() {
      return s == 1;
    }

    @Override
    public String describe() {
      return "strided(" + s + ")";
    }
  }

  /** {@link #fixed(int, int)}. */
  public record Fixed(int l, int c) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return k % l >= l - c;
    }

    @Override
    public int lo(int q, int tk) {
      return 0;
    }

    @Override
    public int hi(int q, int tk) {
      return tk;
    }

    @Override
    public boolean exact() {
      return c == l;
    }

    @Override
    public String describe() {
      return "fixed(" + l + ", " + c + ")";
    }
  }

  /** {@link #shift(Mask, int)}. */
  public record Shifted(Mask m, int offset) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return m.visible(q + offset, k);
    }

    @Override
    public int lo(int q, int tk) {
      return m.lo(q + offset, tk);
    }

    @Override
    public int hi(int q, int tk) {
      return m.hi(q + offset, tk);
    }

    @Override
    public boolean exact() {
      return m.exact();
    }

    @Override
    public String describe() {
      return m.describe() + " from position " + offset;
    }
  }

  /** {@link #and(Mask, Mask)}. */
  public record And(Mask a, Mask b) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return a.visible(q, k) && b.visible(q, k);
    }

    @Override
    public int lo(int q, int tk) {
      return Math.max(a.lo(q, tk), b.lo(q, tk));
    }

    @Override
    public int hi(int q, int tk) {
      return Math.min(a.hi(q, tk), b.hi(q, tk));
    }

    @Override
    public boolean exact() {
      // The intersection of two contiguous, fully visible ranges is the range itself.
      return a.exact() && b.exact();
    }

    @Override
    public String describe() {
      return "(" + a.describe() + " & " + b.describe() + ")";
    }
  }

  /** {@link #or(Mask, Mask)}. */
  public record Or(Mask a, Mask b) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return a.visible(q, k) || b.visible(q, k);
    }

    @Override
    public int lo(int q, int tk) {
      return Math.min(a.lo(q, tk), b.lo(q, tk));
    }

    @Override
    public int hi(int q, int tk) {
      return Math.max(a.hi(q, tk), b.hi(q, tk));
    }

    @Override
    public boolean exact() {
      return false;
    }

    @Override
    public String describe() {
      return "(" + a.describe() + " | " + b.describe() + ")";
    }
  }

  /** {@link #not(Mask)}. */
  public record Not(Mask a) implements Mask {
    @Override
    public boolean visible(int q, int k) {
      return !a.visible(q, k);
    }

    @Override
    public int lo(int q, int tk) {
      return 0;
    }

    @Override
    public int hi(int q, int tk) {
      return tk;
    }

    @Override
    public boolean exact() {
      return false;
    }

    @Override
    public String describe() {
      return "!" + a.describe();
    }
  }
}
