package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.Vec.L;
import static dev.kiln.runtime.cpu.Vec.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Float element-wise arithmetic with broadcasting, its reductions (the backward of a broadcast) and
 * the AdamW update: vectorised, and split across the pool for large tensors.
 */
final class Pointwise32 {
  private Pointwise32() {}

  /** Element counts from which a loop is worth spreading over the pool (memory-bound work). */
  static final int PARALLEL_N = 1 << 15;

  /** The smallest chunk handed to a thread. */
  static final int GRAIN = 1 << 13;

  /** Rows of float partial sums before they are folded into double, bounding the float error. */
  private static final int FOLD_ROWS = 64;

  private static final int ADD = 0;
  private static final int SUB = 1;
  private static final int MUL = 2;

  static void add(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    binary(ADD, n, a, aOff, b, bOff, bn, out, outOff);
  }

  static void sub(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    binary(SUB, n, a, aOff, b, bOff, bn, out, outOff);
  }

  static void mul(
      int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    binary(MUL, n, a, aOff, b, bOff, bn, out, outOff);
  }

  /** Runs {@code body} over [0, n) on the pool when n is large, inline otherwise. */
  static void forElements(int n, Parallel.RangeBody body) {
    if (n >= PARALLEL_N) {
      Parallel.forRange(n, GRAIN, body);
    } else {
      body.run(0, n);
    }
  }

  private static void binary(
      int op, int n, float[] a, int aOff, float[] b, int bOff, int bn, float[] out, int outOff) {
    if (n <= 0) {
      return;
    }
    forElements(n, (from, to) -> {
      if (bn == 1) {
        broadcastScalar(op, to - from, a, aOff + from, b[bOff], out, outOff + from);
        return;
      }
      // Walk [from, to) in runs that share one contiguous stretch of b.
      int i = from;
      int j = from % bn;
      while (i < to) {
        int len = Math.min(bn - j, to - i);
        run(op, len, a, aOff + i, b, bOff + j, out, outOff + i);
        i += len;
        j = 0;
      }
    });
  }

  private static void run(
      int op, int n, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff) {
    int i = 0;
    int bound = S.loopBound(n);
    switch (op) {
      case ADD -> Vec.add(n, a, aOff, b, bOff, out, outOff);
      case SUB -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, aOff + i)
              .sub(FloatVector.fromArray(S, b, bOff + i))
              .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
          out[outOff + i] = a[aOff + i] - b[bOff + i];
        }
      }
      default -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, aOff + i)
              .mul(FloatVector.fromArray(S, b, bOff + i))
              .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
          out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
      }
    }
  }

  private static void broadcastScalar(
      int op, int n, float[] a, int aOff, float s, float[] out, int outOff) {
    FloatVector vs = FloatVector.broadcast(S, s);
    int i = 0;
    int bound = S.loopBound(n);
    switch (op) {
      case ADD -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, aOff + i).add(vs).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
          out[outOff + i] = a[aOff + i] + s;
        }
      }
      case SUB -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, aOff + i).sub(vs).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
          out[outOff + i] = a[aOff + i] - s;
        }
      }
      default -> {
        for (; i < bound; i += L) {
          FloatVector.fromArray(S, a, aOff + i).mul(vs).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
          out[outOff + i] = a[aOff + i] * s;
        }
      }
    }
  }

  static void scale(int n, float[] x, int xOff, double s, float[] out, int outOff) {
    float fs = (float) s;
    forElements(
        n, (from, to) -> broadcastScalar(MUL, to - from, x, xOff + from, fs, out, outOff + from));
  }

  static void fill(int n, float[] x, int xOff, double value) {
    float v = (float) value;
    forElements(n, (from, to) -> java.util.Arrays.fill(x, xOff + from, xOff + to, v));
  }

  static void accumulate(int n, double alpha, float[] x, int xOff, float[] y, int yOff) {
    float fa = (float) alpha;
    forElements(n, (from, to) -> Vec.axpy(to - from, fa, x, xOff + from, y, yOff + from));
  }

  static void accumulateScalar(int n, double s, float[] y, int yOff) {
    float v = (float) s;
    forElements(
        n, (from, to) -> broadcastScalar(ADD, to - from, y, yOff + from, v, y, yOff + from));
  }

  /** {@code db[j] += alpha·Σ_{i%bn==j} dout[i]}: column sums of dout viewed as {@code (n/bn) × bn}. */
  static void reduceBroadcast(
      int n, int bn, double alpha, float[] dout, int doutOff, float[] db, int dbOff) {
    if (n <= 0) {
      return;
    }
    if (bn == n) {
      accumulate(n, alpha, dout, doutOff, db, dbOff);
    } else if (bn == 1) {
      db[dbOff] += (float) (alpha * sum(n, dout, doutOff));
    } else {
      columnSums(n / bn, bn, dout, doutOff, null, 0, alpha, db, dbOff);
    }
  }

  /**
   * {@code out[j] += alpha·Σ_r x[r,j]·(y == null ? 1 : y[r,j])} for a {@code rows × cols} matrix, split
   * over columns (so threads never share an output) and summed down each column in row order (so the
   * result does not depend on the thread count).
   */
  static void columnSums(
      int rows,
      int cols,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      double alpha,
      float[] out,
      int outOff) {
    Parallel.RangeBody body = (j0, j1) -> {
      int w = j1 - j0;
      float[] part = new float[w];
      double[] total = new double[w];
      for (int r0 = 0; r0 < rows; r0 += FOLD_ROWS) {
        java.util.Arrays.fill(part, 0f);
        for (int r = r0; r < Math.min(rows, r0 + FOLD_ROWS); r++) {
          int row = r * cols + j0;
          if (y == null) {
            Vec.addTo(w, x, xOff + row, part, 0);
          } else {
            mulAddTo(w, x, xOff + row, y, yOff + row, part, 0);
          }
        }
        for (int j = 0; j < w; j++) {
          total[j] += part[j];
        }
      }
      for (int j = 0; j < w; j++) {
        out[outOff + j0 + j] += (float) (alpha * total[j]);
      }
    };
    if ((long) rows * cols >= PARALLEL_N) {
      Parallel.forRange(cols, 4 * L, body);
    } else {
      body.run(0, cols);
    }
  }

  static void mulBackward(
      int n,
      int bn,
      float[] dout,
      int doutOff,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] da,
      int daOff,
      float[] db,
      int dbOff) {
    if (n <= 0) {
      return;
    }
    if (da != null) {
      forElements(n, (from, to) -> {
        int i = from;
        int j = from % bn;
        while (i < to) {
          int len = Math.min(bn - j, to - i);
          mulAddTo(len, dout, doutOff + i, b, bOff + j, da, daOff + i);
          i += len;
          j = 0;
        }
      });
    }
    if (db != null) {
      if (bn == n) {
        forElements(
            n,
            (from, to) ->
                mulAddTo(to - from, dout, doutOff + from, a, aOff + from, db, dbOff + from));
      } else {
        columnSums(n / bn, bn, dout, doutOff, a, aOff, 1.0, db, dbOff);
      }
    }
  }

  /** {@code acc[accOff:accOff+n] += x·y}. */
  private static void mulAddTo(
      int n, float[] x, int xOff, float[] y, int yOff, float[] acc, int accOff) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i)
          .fma(FloatVector.fromArray(S, y, yOff + i), FloatVector.fromArray(S, acc, accOff + i))
          .intoArray(acc, accOff + i);
    }
    for (; i < n; i++) {
      acc[accOff + i] += x[xOff + i] * y[yOff + i];
    }
  }

  /** Sums in fixed blocks, then adds the block sums in order: the same answer on any thread count. */
  static double sum(int n, float[] x, int xOff) {
    return blockSums(n, x, xOff, false);
  }

  static double sumSquares(int n, float[] x, int xOff) {
    return blockSums(n, x, xOff, true);
  }

  private static double blockSums(int n, float[] x, int xOff, boolean squares) {
    if (n < PARALLEL_N) {
      return squares ? Vec.sumSquares(n, x, xOff) : Vec.sum(n, x, xOff);
    }
    int blocks = (n + GRAIN - 1) / GRAIN;
    double[] partial = new double[blocks];
    Parallel.forRange(blocks, 1, (b0, b1) -> {
      for (int blk = b0; blk < b1; blk++) {
        int from = blk * GRAIN;
        int len = Math.min(GRAIN, n - from);
        partial[blk] = squares ? Vec.sumSquares(len, x, xOff + from) : Vec.sum(len, x, xOff + from);
      }
    });
    double s = 0;
    for (double p : partial) {
      s += p;
    }
    return s;
  }

  static void adamw(
      int n,
      float[] p,
      int pOff,
      float[] g,
      int gOff,
      float[] m,
      int mOff,
      float[] v,
      int vOff,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      int step) {
    Shared.checkStep(step);
    // Bias corrections folded into two constants: p -= lr·(m·ic1 / (sqrt(v·ic2) + eps) + wd·p).
    float ic1 = (float) (1 / (1 - Math.pow(beta1, step)));
    float ic2 = (float) (1 / (1 - Math.pow(beta2, step)));
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float ob1 = (float) (1 - beta1);
    float ob2 = (float) (1 - beta2);
    float fe = (float) eps;
    float flr = (float) lr;
    float fwd = (float) weightDecay;
    forElements(n, (from, to) -> {
      FloatVector vb1 = FloatVector.broadcast(S, b1);
      FloatVector vb2 = FloatVector.broadcast(S, b2);
      FloatVector vob1 = FloatVector.broadcast(S, ob1);
      FloatVector vob2 = FloatVector.broadcast(S, ob2);
      FloatVector vic1 = FloatVector.broadcast(S, ic1);
      FloatVector vic2 = FloatVector.broadcast(S, ic2);
      FloatVector veps = FloatVector.broadcast(S, fe);
      FloatVector vlr = FloatVector.broadcast(S, flr);
      FloatVector vwd = FloatVector.broadcast(S, fwd);
      int i = from;
      for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
        FloatVector gi = FloatVector.fromArray(S, g, gOff + i);
        FloatVector mi = FloatVector.fromArray(S, m, mOff + i).mul(vb1).add(gi.mul(vob1));
        FloatVector vi =
            FloatVector.fromArray(S, v, vOff + i).mul(vb2).add(gi.mul(gi).mul(vob2));
        mi.intoArray(m, mOff + i);
        vi.intoArray(v, vOff + i);
        FloatVector pi = FloatVector.fromArray(S, p, pOff + i);
        FloatVector upd = mi.mul(vic1)
            .div(vi.mul(vic2).lanewise(VectorOperators.SQRT).add(veps))
            .add(pi.mul(vwd));
        pi.sub(upd.mul(vlr)).intoArray(p, pOff + i);
      }
      for (; i < to; i++) {
        float gi = g[gOff + i];
        float mi = b1 * m[mOff + i] + ob1 * gi;
        float vi = b2 * v[vOff + i] + ob2 * gi * gi;
        m[mOff + i] = mi;
        v[vOff + i] = vi;
        float pi = p[pOff + i];
        p[pOff + i] = pi - flr * (mi * ic1 / ((float) Math.sqrt(vi * ic2) + fe) + fwd * pi);
      }
    });
  }
}
