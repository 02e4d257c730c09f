package dev.kiln.runtime.data;

/** A long sequence of token ids, held in memory or mapped from a file. */
public interface TokenStream {
  long size();

  /** Copies tokens {@code [offset, offset + len)} into {@code dst}. */
  void read(long offset, int[] dst, int dstOff, int len);

  /** A stream over an array. */
  static TokenStream of(int[] tokens) {
    return new TokenStream() {
      @Override
      public long size() {
        return tokens.length;
      }

      @Override
      public void read(long offset, int[] dst, int dstOff, int len) {
        System.arraycopy(tokens, Math.toIntExact(offset), dst, dstOff, len);
      }
    };
  }
}
