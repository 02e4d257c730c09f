package dev.kiln.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Erf} against values computed with mpmath at 40 digits. */
class ErfTest {
  /** x, erf(x), erfc(x). */
  private static final double[][] TABLE = {
    {0.0, 0.0, 1.0},
    {1e-20, 1.128379167095512512e-20, 1.0},
    {1e-10, 1.128379167095512615e-10, 0.99999999988716208329},
    {0.1, 0.1124629160182848984, 0.8875370839817151016},
    {0.3, 0.32862675945912741619, 0.67137324054087258381},
    {0.46875, 0.49261347321793799159, 0.50738652678206200841},
    {0.5, 0.52049987781304653768, 0.47950012218695346232},
    {0.75, 0.7111556336535151316, 0.2888443663464848684},
    {1.0, 0.84270079294971486934, 0.15729920705028513066},
    {1.5, 0.96610514647531072707, 0.033894853524689272933},
    {2.0, 0.99532226501895273416, 0.0046777349810472658379},
    {2.5, 0.99959304798255504106, 0.00040695201744495893956},
    {3.0, 0.99997790950300141456, 0.000022090496998585441373},
    {3.9, 0.99999996520775140277, 3.4792248597231767129e-8},
    {4.0, 0.99999998458274209972, 1.5417257900280018852e-8},
    {4.5, 0.99999999980338395585, 1.9661604415428874763e-10},
    {5.0, 0.99999999999846254021, 1.5374597944280348502e-12},
    {6.0, 0.99999999999999997848, 2.1519736712498913117e-17},
    {8.0, 1.0, 1.122429717298292708e-29},
    {10.0, 1.0, 2.088487583762544757e-45},
    {20.0, 1.0, 5.3958656116079009289e-176},
    {26.0, 1.0, 5.6631924088561428465e-296},
  };

  @Test
  void matchesHighPrecisionValues() {
    for (double[] row : TABLE) {
      double x = row[0];
      assertEquals(row[1], Erf.erf(x), 1e-15 * Math.abs(row[1]), "erf(" + x + ")");
      assertEquals(-row[1], Erf.erf(-x), 1e-15 * Math.abs(row[1]), "erf(-" + x + ")");
      assertEquals(row[2], Erf.erfc(x), 1e-14 * row[2], "erfc(" + x + ")");
      assertEquals(2 - row[2], Erf.erfc(-x), 1e-15, "erfc(-" + x + ")");
    }
  }

  @Test
  void limitsAndSymmetry() {
    assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
    assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
    assertEquals(0.0, Erf.erfc(30));
    assertEquals(2.0, Erf.erfc(-30));
    assertEquals(Double.NaN, Erf.erf(Double.NaN));
    for (double x = -7; x <= 7; x += 0.013) {
      assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0);
      assertEquals(1.0, Erf.erf(x) + Erf.erfc(x), 2e-16);
    }
  }

  @Test
  void isMonotone() {
    double prev = -1;
    for (double x = -6; x <= 6; x += 1e-3) {
      double e = Erf.erf(x);
      org.junit.jupiter.api.Assertions.assertTrue(e >= prev, "erf is not monotone at " + x);
      prev = e;
    }
  }
}
