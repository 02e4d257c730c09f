package dev.kiln.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The deterministic vector exp, tanh and lane sum against double-precision references. */
class VecMathTest {
  private static float[] apply(java.util.function.UnaryOperator<FloatVector> f, float[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i += Vec.L) {
      f.apply(FloatVector.fromArray(Vec.S, x, i)).intoArray(out, i);
    }
    return out;
  }

  private static float[] inputs(double lo, double hi, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[Vec.L * 4096];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return x;
  }

  @Test
  void expIsWithinTwoUlpsAndHandlesTheEdges() {
    float[] x = inputs(-87, 88, 1);
    float[] y = apply(VecMath::exp, x);
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      double ref = Math.exp(x[i]);
      worst = Math.max(worst, Math.abs(y[i] - ref) / Math.ulp((float) ref));
    }
    assertTrue(worst <= 2, "exp error " + worst + " ulp");
    float[] edges = new float[Vec.L];
    float[] values = {0f, -1e9f, Float.NEGATIVE_INFINITY, 1f, -100f, Float.NaN};
    System.arraycopy(values, 0, edges, 0, Math.min(values.length, edges.length));
    float[] e = apply(VecMath::exp, edges);
    assertEquals(1f, e[0]);
    assertEquals(0f, e[1]);
    assertEquals(0f, e[2]);
    assertEquals((float) Math.E, e[3], Math.ulp((float) Math.E));
    if (Vec.L >= 6) {
      assertEquals(0f, e[4]);
      assertTrue(Float.isNaN(e[5]), "NaN propagates");
    }
  }

  @Test
  void tanhIsAccurateNearZeroAndSaturates() {
    float[] x = inputs(-12, 12, 2);
    float[] y = apply(VecMath::tanh, x);
    double worstAbs = 0;
    for (int i = 0; i < x.length; i++) {
      worstAbs = Math.max(worstAbs, Math.abs(y[i] - Math.tanh(x[i])));
    }
    assertTrue(worstAbs <= 2.5e-7, "tanh abs error " + worstAbs);
    float[] small = inputs(-0.6, 0.6, 3);
    float[] ys = apply(VecMath::tanh, small);
    double worstRel = 0;
    for (int i = 0; i < small.length; i++) {
      double ref = Math.tanh(small[i]);
      if (ref != 0) {
        worstRel = Math.max(worstRel, Math.abs(ys[i] - ref) / Math.abs(ref));
      }
    }
    assertTrue(worstRel <= 5e-7, "tanh relative error near 0: " + worstRel);
  }

  @Test
  void laneSumIsAFixedPairwiseTree() {
    float[] x = inputs(-1, 1, 4);
    for (int base = 0; base < 64 * Vec.L; base += Vec.L) {
      float[] lanes = java.util.Arrays.copyOfRange(x, base, base + Vec.L);
      // The same tree written out: lane i is added to lane i ^ k for k = L/2 ... 1.
      for (int k = Vec.L / 2; k >= 1; k /= 2) {
        float[] next = new float[Vec.L];
        for (int i = 0; i < Vec.L; i++) {
          next[i] = lanes[i] + lanes[i ^ k];
        }
        lanes = next;
      }
      assertEquals(lanes[0], VecMath.sum(FloatVector.fromArray(Vec.S, x, base)));
    }
  }
}
