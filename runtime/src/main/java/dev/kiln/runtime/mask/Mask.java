package dev.kiln.runtime.mask;

/**
 * An attention mask: which key positions {@code k} a query position {@code q} may attend to.
 *
 * <p>Besides the predicate, every mask gives a key range {@code [lo(q), hi(q))} outside which nothing
 * is visible, so kernels iterate only over that range (banded attention costs O(T·w), not O(T²)).
 * When {@link #exact()} is true, every key inside the range is visible and the predicate need not be
 * evaluated at all.
 */
public interface Mask {
  /** Whether query {@code q} may see key {@code k}. */
  boolean visible(int q, int k);

  /** First key (inclusive) that may be visible to {@code q}, for {@code tk} keys in all. */
  int lo(int q, int tk);

  /** Last key (exclusive) that may be visible to {@code q}. */
  int hi(int q, int tk);

  /** True when every key in {@code [lo, hi)} is visible. */
  boolean exact();

  /** The mask in the algebra's own syntax, e.g. {@code causal & band(256)}. */
  String describe();
}
