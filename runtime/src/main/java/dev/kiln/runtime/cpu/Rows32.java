package dev.kiln.runtime.cpu;

import static dev.kiln.runtime.cpu.Vec.L;
import static dev.kiln.runtime.cpu.Vec.S;

import jdk.incubator.vector.FloatVector;

/**
 * Float kernels that normalise along the last dimension (layer norm, softmax, cross entropy): threads
 * take whole rows; row statistics are accumulated in double.
 */
final class Rows32 {
  private Rows32() {}

  /** Rows of float column partials before they are folded into double. */
  private static final int FOLD_ROWS = 64;

  /** Runs {@code body} over rows on the pool when the matrix is large, inline otherwise. */
  static void forRows(int rows, int dim, Parallel.RangeBody body) {
    if ((long) rows * dim >= Pointwise32.PARALLEL_N) {
      Parallel.forRange(rows, Math.max(1, Pointwise32.GRAIN / Math.max(1, dim)), body);
    } else {
      body.run(0, rows);
    }
  }

  /**
   * Layer norm of {@code x}, or, when {@code y} is not null, of {@code x + y}, which is first written
   * to {@code sum} row by row.
   */
  static void layerNorm(
      int rows,
      int dim,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] sum,
      int sumOff,
      float[] gamma,
      int gOff,
      float[] beta,
      int bOff,
      double eps,
      float[] out,
      int outOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff) {
    // Missing affine parameters become ones and zeros, so the vector loop has no branches: C2
    // cannot keep vectors in registers across a data-dependent merge and would allocate them
    // instead.
    float[] g = gamma != null ? gamma : ones(dim);
    float[] be = beta != null ? beta : new float[dim];
    int go = gamma != null ? gOff : 0;
    int bo = beta != null ? bOff : 0;
    forRows(rows, dim, (r0, r1) -> {
      float[] in = y != null ? sum : x;
      for (int r = r0; r < r1; r++) {
        int xi = (y != null ? sumOff : xOff) + r * dim;
        int oi = outOff + r * dim;
        if (y != null) {
          Vec.add(dim, x, xOff + r * dim, y, yOff + r * dim, sum, xi);
        }
        float mu = (float) (Vec.sum(dim, in, xi) / dim);
        float rs = (float) (1 / Math.sqrt(Vec.sumSquaredDiff(dim, in, xi, mu) / dim + eps));
        mean[meanOff + r] = mu;
        rstd[rstdOff + r] = rs;
        FloatVector vmu = FloatVector.broadcast(S, mu);
        int j = 0;
        for (int bound = S.loopBound(dim); j < bound; j += L) {
          FloatVector.fromArray(S, in, xi + j)
              .sub(vmu)
              .mul(rs)
              .fma(FloatVector.fromArray(S, g, go + j), FloatVector.fromArray(S, be, bo + j))
              .intoArray(out, oi + j);
        }
        for (; j < dim; j++) {
          out[oi + j] = (in[xi + j] - mu) * rs * g[go + j] + be[bo + j];
        }
      }
    });
  }

  static void layerNormBackward(
      int rows,
      int dim,
      float[] dout,
      int doutOff,
      float[] x,
      int xOff,
      float[] gamma,
      int gOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff,
      float[] dx,
      int dxOff,
      float[] dgamma,
      int dgOff,
      float[] dbeta,
      int dbOff) {
    float[] gm = gamma != null ? gamma : ones(dim);
    int gmo = gamma != null ? gOff : 0;
    if (dx != null) {
      forRows(rows, dim, (r0, r1) -> {
        float[] g = new float[dim];
        float[] xhat = new float[dim];
        for (int r = r0; r < r1; r++) {
          int xi = xOff + r * dim;
          int di = doutOff + r * dim;
          float mu = mean[meanOff + r];
          float rs = rstd[rstdOff + r];
          FloatVector vmu = FloatVector.broadcast(S, mu);
          int j = 0;
          for (int bound = S.loopBound(dim); j < bound; j += L) {
            FloatVector.fromArray(S, x, xi + j).sub(vmu).mul(rs).intoArray(xhat, j);
            FloatVector.fromArray(S, dout, di + j)
                .mul(FloatVector.fromArray(S, gm, gmo + j))
                .intoArray(g, j);
          }
          for (; j < dim; j++) {
            xhat[j] = (x[xi + j] - mu) * rs;
            g[j] = dout[di + j] * gm[gmo + j];
          }
          // dx = rs·(g - mean(g) - xhat·mean(g·xhat)), g being the gradient w.r.t. xhat.
          float mG = (float) (Vec.sum(dim, g, 0) / dim);
          float mGX = Vec.dot(dim, g, 0, xhat, 0) / dim;
          int o = dxOff + r * dim;
          FloatVector vmG = FloatVector.broadcast(S, mG);
          FloatVector vmGX = FloatVector.broadcast(S, mGX);
          FloatVector vrs = FloatVector.broadcast(S, rs);
          j = 0;
          for (int bound = S.loopBound(dim); j < bound; j += L) {
            FloatVector t = FloatVector.fromArray(S, g, j)
                .sub(vmG)
                .sub(FloatVector.fromArray(S, xhat, j).mul(vmGX));
            t.fma(vrs, FloatVector.fromArray(S, dx, o + j)).intoArray(dx, o + j);
          }
          for (; j < dim; j++) {
            dx[o + j] += rs * (g[j] - mG - xhat[j] * mGX);
          }
        }
      });
    }
    if (dbeta != null) {
      Pointwise32.columnSums(rows, dim, dout, doutOff, null, 0, 1.0, dbeta, dbOff);
    }
    if (dgamma != null) {
      gammaGrad(rows, dim, dout, doutOff, x, xOff, mean, meanOff, rstd, rstdOff, dgamma, dgOff);
    }
  }

  /** {@code dgamma[j] += Σ_r dout[r,j]·xhat[r,j]}, split over columns like {@link Pointwise32#columnSums}. */
  private static void gammaGrad(
      int rows,
      int dim,
      float[] dout,
      int doutOff,
      float[] x,
      int xOff,
      float[] mean,
      int meanOff,
      float[] rstd,
      int rstdOff,
      float[] dgamma,
      int dgOff) {
    Parallel.RangeBody body = (j0, j1) -> {
      int w = j1 - j0;
      float[] part = new float[w];
      double[] total = new double[w];
      for (int r0 = 0; r0 < rows; r0 += FOLD_ROWS) {
        java.util.Arrays.fill(part, 0f);
        for (int r = r0; r < Math.min(rows, r0 + FOLD_ROWS); r++) {
          int xi = xOff + r * dim + j0;
          int di = doutOff + r * dim + j0;
          float mu = mean[meanOff + r];
          float rs = rstd[rstdOff + r];
          FloatVector vmu = FloatVector.broadcast(S, mu);
          int j = 0;
          for (int bound = S.loopBound(w); j < bound; j += L) {
            FloatVector xhat = FloatVector.fromArray(S, x, xi + j).sub(vmu).mul(rs);
            xhat.fma(FloatVector.fromArray(S, dout, di + j), FloatVector.fromArray(S, part, j))
                .intoArray(part, j);
          }
          for (; j < w; j++) {
            part[j] += (x[xi + j] - mu) * rs * dout[di + j];
          }
        }
        for (int j = 0; j < w; j++) {
          total[j] += part[j];
        }
      }
      for (int j = 0; j < w; j++) {
        dgamma[dgOff + j0 + j] += (float) total[j];
      }
    };
    if ((long) rows * dim >= Pointwise32.PARALLEL_N) {
      Parallel.forRange(dim, 4 * L, body);
    } else {
      body.run(0, dim);
    }
  }

  private static float[] ones(int n) {
    float[] x = new float[n];
    java.util.Arrays.fill(x, 1f);
    return x;
  }

  static void softmax(int rows, int dim, float[] x, int xOff, float[] out, int outOff) {
    forRows(rows, dim, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int xi = xOff + r * dim;
        int oi = outOff + r * dim;
        float m = Vec.max(dim, x, xi);
        double s = Vec.expShift(dim, x, xi, m, out, oi);
        Vec.scale(dim, (float) (1 / s), out, oi);
      }
    });
  }

  static void softmaxBackward(
      int rows, int dim, float[] y, int yOff, float[] dout, int doutOff, float[] dx, int dxOff) {
    forRows(rows, dim, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int yi = yOff + r * dim;
        int di = doutOff + r * dim;
        int o = dxOff + r * dim;
        float dot = Vec.dot(dim, dout, di, y, yi);
        FloatVector vdot = FloatVector.broadcast(S, dot);
        int j = 0;
        for (int bound = S.loopBound(dim); j < bound; j += L) {
          FloatVector yv = FloatVector.fromArray(S, y, yi + j);
          yv.fma(
                  FloatVector.fromArray(S, dout, di + j).sub(vdot),
                  FloatVector.fromArray(S, dx, o + j))
              .intoArray(dx, o + j);
        }
        for (; j < dim; j++) {
          dx[o + j] += y[yi + j] * (dout[di + j] - dot);
        }
      }
    });
  }

  static double crossEntropy(
      int rows,
      int V,
      float[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      float[] lse,
      int lseOff) {
    Shared.checkTargets(rows, V, targets, tOff, ignoreIndex);
    // Per-row losses are summed afterwards in row order, so the total does not depend on threading.
    double[] loss = new double[rows];
    forRows(rows, V, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int li = lOff + r * V;
        float m = Vec.max(V, logits, li);
        double l = m + Math.log(Vec.sumExpShift(V, logits, li, m));
        lse[lseOff + r] = (float) l;
        int t = targets[tOff + r];
        if (t != ignoreIndex) {
          double nll = l - logits[li + t];
          loss[r] = smoothing == 0
              ? nll
              : (1 - smoothing) * nll + smoothing * (l - Vec.sum(V, logits, li) / V);
        }
      }
    });
    double total = 0;
    for (double x : loss) {
      total += x;
    }
    return total;
  }

  static void crossEntropyBackward(
      int rows,
      int V,
      float[] logits,
      int lOff,
      int[] targets,
      int tOff,
      int ignoreIndex,
      double smoothing,
      float[] lse,
      int lseOff,
      double gradScale,
      float[] dlogits,
      int dOff) {
    Shared.checkTargets(rows, V, targets, tOff, ignoreIndex);
    float gs = (float) gradScale;
    float uniform = (float) (smoothing / V);
    float onTarget = (float) (gradScale * (1 - smoothing));
    forRows(rows, V, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int t = targets[tOff + r];
        if (t == ignoreIndex) {
          continue;
        }
        int li = lOff + r * V;
        int di = dOff + r * V;
        FloatVector vl = FloatVector.broadcast(S, lse[lseOff + r]);
        FloatVector vu = FloatVector.broadcast(S, uniform);
        FloatVector vgs = FloatVector.broadcast(S, gs);
        int j = 0;
        for (int bound = S.loopBound(V); j < bound; j += L) {
          FloatVector p = VecMath.exp(FloatVector.fromArray(S, logits, li + j).sub(vl));
          p.sub(vu).fma(vgs, FloatVector.fromArray(S, dlogits, di + j)).intoArray(dlogits, di + j);
        }
        for (; j < V; j++) {
          dlogits[di + j] += gs * ((float) Math.exp(logits[li + j] - lse[lseOff + r]) - uniform);
        }
        dlogits[di + t] -= onTarget;
      }
    });
  }
}
