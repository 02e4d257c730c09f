package dev.kiln.runtime.cpu;

/** Float kernels that move rows around: embedding lookup and its scatter-add, and axis copies. */
final class Indexing32 {
  private Indexing32() {}

  static void embedding(
      int n,
      int[] ids,
      int idsOff,
      float[] table,
      int tOff,
      int vocab,
      int dim,
      float[] out,
      int outOff) {
    Shared.checkIds(n, ids, idsOff, vocab);
    Rows32.forRows(n, dim, (from, to) -> {
      for (int i = from; i < to; i++) {
        System.arraycopy(table, tOff + ids[idsOff + i] * dim, out, outOff + i * dim, dim);
      }
    });
  }

  /**
   * Repeated ids add into the same table row, so threads split the columns, not the positions: each
   * thread owns a vertical stripe of the table and walks every position in order (deterministic).
   */
  static void embeddingBackward(
      int n,
      int[] ids,
      int idsOff,
      float[] dout,
      int doutOff,
      float[] dtable,
      int dtOff,
      int vocab,
      int dim) {
    Shared.checkIds(n, ids, idsOff, vocab);
    Parallel.RangeBody body = (j0, j1) -> {
      for (int i = 0; i < n; i++) {
        Vec.addTo(
            j1 - j0, dout, doutOff + i * dim + j0, dtable, dtOff + ids[idsOff + i] * dim + j0);
      }
    };
    if ((long) n * dim >= Pointwise32.PARALLEL_N) {
      Parallel.forRange(dim, 4 * Vec.L, body);
    } else {
      body.run(0, dim);
    }
  }

  static void copyAxis(
      int outer,
      int len,
      int inner,
      float[] src,
      int srcOff,
      int srcAxis,
      int srcStart,
      float[] dst,
      int dstOff,
      int dstAxis,
      int dstStart,
      boolean accumulate) {
    // Row r = o·len + a is one contiguous run of `inner` elements on each side.
    Rows32.forRows(outer * len, inner, (from, to) -> {
      for (int r = from; r < to; r++) {
        int o = r / len;
        int a = r % len;
        int s = srcOff + (o * srcAxis + srcStart + a) * inner;
        int d = dstOff + (o * dstAxis + dstStart + a) * inner;
        if (accumulate) {
          Vec.addTo(inner, src, s, dst, d);
        } else {
          System.arraycopy(src, s, dst, d, inner);
        }
      }
    });
  }
}
