package dev.kiln.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rendered masks compiled and evaluated on the device over a grid of (q, k, tk), negative queries
 * (shifted masks reach them) included, must agree with {@link Mask#lo}, {@link Mask#hi},
 * {@link Mask#visible} and {@link Mask#exact} everywhere.
 */
class MaskSourceTest {
  private static final int Q_MIN = -6;
  private static final int Q_MAX = 20;
  private static final int K_MAX = 20;
  private static final int[] TKS = {1, 7, 20};

  static List<Mask> masks() {
    Mask causal = Masks.causal();
    return List.of(
        Masks.full(),
        causal,
        Masks.band(1),
        Masks.band(5),
        Masks.band(Integer.MAX_VALUE),
        Masks.strided(1),
        Masks.strided(3),
        Masks.fixed(4, 2),
        Masks.fixed(3, 3),
        Masks.shift(causal, 4),
        Masks.shift(Masks.band(3), -2),
        Masks.shift(Masks.shift(causal, 3), -5),
        Masks.and(causal, Masks.band(4)),
        Masks.and(causal, Masks.strided(1)),
        Masks.or(causal, Masks.fixed(4, 1)),
        Masks.not(causal),
        Masks.not(Masks.and(causal, Masks.strided(2))),
        Masks.and(Masks.shift(causal, 3), Masks.not(Masks.fixed(5, 2))),
        Masks.or(Masks.band(2), Masks.shift(Masks.strided(4), 1)));
  }

  @Test
  void renderedMasksAgreeWithTheJavaMasksOnTheDevice() {
    try (DeviceFixture fx = DeviceFixture.openOrSkip()) {
      int[] qs = new int[(Q_MAX - Q_MIN) * K_MAX * TKS.length];
      int[] ks = new int[qs.length];
      int[] tks = new int[qs.length];
      int n = 0;
      for (int tk : TKS) {
        for (int q = Q_MIN; q < Q_MAX; q++) {
          for (int k = 0; k < K_MAX; k++) {
            qs[n] = q;
            ks[n] = k;
            tks[n] = tk;
            n++;
          }
        }
      }
      Device.Buffer dq = fx.kernels.ints(qs);
      Device.Buffer dk = fx.kernels.ints(ks);
      Device.Buffer dtk = fx.kernels.ints(tks);
      for (Mask mask : masks()) {
        String source = MaskSource.render("m", mask)
            + "KERNEL void kiln_test_mask(int n, GLOBAL const int* qs, GLOBAL const int* ks,\n"
            + "    GLOBAL const int* tks, GLOBAL float* out) {\n"
            + "  int i = GLOBAL_ID(0);\n"
            + "  if (i >= n) return;\n"
            + "  out[4 * i] = (float) m_lo(qs[i], tks[i]);\n"
            + "  out[4 * i + 1] = (float) m_hi(qs[i], tks[i]);\n"
            + "  out[4 * i + 2] = m_visible(qs[i], ks[i]) ? 1.0f : 0.0f;\n"
            + "  out[4 * i + 3] = m_EXACT;\n"
            + "}\n";
        Device.Buffer out = fx.up(new float[4 * n]);
        fx.device
            .build(source, "")
            .kernel("kiln_test_mask")
            .launch(new long[] {(n + 63L) / 64 * 64}, new long[] {64}, n, dq, dk, dtk, out);
        float[] got = fx.down(out, 4 * n);
        for (int i = 0; i < n; i++) {
          String at = mask.describe() + " at q=" + qs[i] + " k=" + ks[i] + " tk=" + tks[i];
          assertEquals(mask.lo(qs[i], tks[i]), got[4 * i], "lo of " + at);
          assertEquals(mask.hi(qs[i], tks[i]), got[4 * i + 1], "hi of " + at);
          assertEquals(mask.visible(qs[i], ks[i]) ? 1f : 0f, got[4 * i + 2], "visible of " + at);
          assertEquals(mask.exact() ? 1f : 0f, got[4 * i + 3], "exact of " + mask.describe());
        }
        fx.freeBuffers();
      }
    }
  }

  @Test
  void masksNotBuiltByMasksAreRejected() {
    Mask custom = new Mask() {
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
        return "custom";
      }
    };
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class, () -> MaskSource.render("m", Masks.and(custom, custom)));
    assertTrue(e.getMessage().startsWith("mask custom "), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MaskSource.render("1m", Masks.full()));
  }

  @Test
  void rendersOneFunctionTriplePerNodeChildrenFirst() {
    String c = MaskSource.render("m", Masks.and(Masks.causal(), Masks.band(4)));
    assertTrue(c.indexOf("m_n0_lo") < c.indexOf("m_n2_lo"), c);
    assertTrue(
        c.contains("int x = m_n0_lo(q, tk); int y = m_n1_lo(q, tk); return x > y ? x : y;"), c);
    assertTrue(c.contains("#define m_EXACT 1"), c);
    assertTrue(MaskSource.render("m", Masks.not(Masks.causal())).contains("#define m_EXACT 0"));
  }
}
