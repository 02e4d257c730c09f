package dev.kiln.runtime.gpu;

import static dev.kiln.runtime.gpu.DeviceFixture.normal;

import dev.kiln.runtime.cpu.Kernels32;
import dev.kiln.runtime.gpu.Device.Buffer;
import dev.kiln.runtime.mask.Mask;
import dev.kiln.runtime.mask.Masks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fused attention forward and backward on the device against {@link Kernels32} for every mask kind,
 * padding lengths, dropout, cross-attention ({@code Tq != Tk}) and incremental decoding (a shifted
 * mask). Self-attention reads q, k, v from one packed {@code [B, T, 3, H, dh]} buffer and adds its
 * gradients (twice, to cover accumulation) into one packed buffer; cross-attention reads q from its own buffer
 * and k, v from a packed {@code [B, Tk, 2, H, dh]} one. Forward within 1e-5, backward within 1e-4.
 */
class DeviceKernelsAttentionTest {
  private static DeviceFixture fx;

  @BeforeAll
  static void open() {
    fx = DeviceFixture.openOrSkip();
  }

  @AfterAll
  static void close() {
    if (fx != null) {
      System.out.print("DeviceKernelsAttentionTest worst relative errors on " + fx.device.name()
          + ":\n" + fx.report());
      fx.close();
    }
  }

  @AfterEach
  void free() {
    fx.freeBuffers();
  }

  /** One attention problem. */
  record Case(
      String name, int B, int Tq, int Tk, int H, int dh, Mask mask, int[] lengths, double p) {
    boolean self() {
      return Tq == Tk && !name.startsWith("cross");
    }

    @Override
    public String toString() {
      return name + " B=" + B + " Tq=" + Tq + " Tk=" + Tk + " H=" + H + " dh=" + dh;
    }
  }

  static List<Case> cases() {
    Mask causal = Masks.causal();
    List<Case> c = new ArrayList<>();
    c.add(new Case("full", 2, 45, 45, 3, 8, Masks.full(), null, 0));
    c.add(new Case("null mask", 1, 20, 20, 2, 8, null, null, 0));
    c.add(new Case("causal", 2, 70, 70, 2, 8, causal, null, 0));
    c.add(new Case("band(5)", 2, 45, 45, 3, 8, Masks.band(5), null, 0));
    c.add(new Case("causal&band(4)", 2, 70, 70, 2, 8, Masks.and(causal, Masks.band(4)), null, 0));
    c.add(new Case("strided(3)", 2, 45, 45, 2, 8, Masks.strided(3), null, 0));
    c.add(new Case("fixed(4,2)", 2, 45, 45, 2, 8, Masks.fixed(4, 2), null, 0));
    c.add(new Case("!causal", 2, 40, 40, 2, 8, Masks.not(causal), null, 0));
    c.add(new Case(
        "band(2)|strided(5)", 1, 45, 45, 2, 8, Masks.or(Masks.band(2), Masks.strided(5)), null, 0));
    c.add(new Case("causal dh=13", 1, 33, 33, 3, 13, causal, null, 0));
    c.add(new Case("causal dh=64", 1, 70, 70, 2, 64, causal, null, 0));
    c.add(new Case("causal+lengths", 3, 45, 45, 2, 8, causal, new int[] {45, 17, 0}, 0));
    c.add(new Case("causal+dropout", 2, 70, 70, 2, 8, causal, null, 0.2));
    c.add(new Case("cross", 2, 37, 53, 3, 8, Masks.full(), new int[] {53, 20}, 0));
    c.add(
        new Case("cross band(6)+dropout", 2, 37, 53, 2, 8, Masks.band(6), new int[] {40, 53}, 0.3));
    c.add(new Case(
        "cross decode shift(causal,10)", 2, 3, 13, 2, 8, Masks.shift(causal, 10), null, 0));
    c.add(new Case(
        "cross decode shift(causal&band(4),10)",
        1,
        3,
        13,
        2,
        8,
        Masks.shift(Masks.and(causal, Masks.band(4)), 10),
        new int[] {12},
        0.1));
    return c;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesTheCpu(Case c) {
    int B = c.B();
    int Tq = c.Tq();
    int Tk = c.Tk();
    int H = c.H();
    int dh = c.dh();
    int hd = H * dh;
    double scale = 1 / Math.sqrt(dh);
    long seed = 0xC0FFEEL;
    // Layouts: packed qkv for self-attention, q plus packed kv for cross-attention.
    float[] q;
    float[] kv;
    int qOff;
    int kOff;
    int vOff;
    int qStride;
    int kvStride;
    if (c.self()) {
      qStride = 3 * hd;
      kvStride = 3 * hd;
      q = normal(1, 5 + B * Tq * qStride, 1);
      kv = q;
      qOff = 5;
      kOff = 5 + hd;
      vOff = 5 + 2 * hd;
    } else {
      qStride = hd;
      kvStride = 2 * hd;
      q = normal(1, 3 + B * Tq * qStride, 1);
      kv = normal(2, 4 + B * Tk * kvStride, 1);
      qOff = 3;
      kOff = 4;
      vOff = 4 + hd;
    }
    int outOff = 6;
    int lseOff = 2;
    float[] out = normal(3, outOff + B * Tq * hd + 1, 1);
    float[] lse = normal(4, lseOff + B * H * Tq + 1, 1);
    Kernels32.attention(
        B,
        Tq,
        Tk,
        H,
        dh,
        q,
        qOff,
        qStride,
        kv,
        kOff,
        kvStride,
        kv,
        vOff,
        kvStride,
        out,
        outOff,
        lse,
        lseOff,
        scale,
        c.mask(),
        c.lengths(),
        c.p(),
        seed);

    DeviceKernels dk = fx.kernels;
    Buffer dq = fx.up(q);
    Buffer dkv = c.self() ? dq : fx.up(kv);
    Buffer dOut = fx.up(new float[out.length]);
    Buffer dLse = fx.up(new float[lse.length]);
    Buffer dLengths = dk.ints(c.lengths());
    dk.attention(
        B, Tq, Tk, H, dh, dq, qOff, qStride, dkv, kOff, kvStride, dkv, vOff, kvStride, dOut, outOff,
        dLse, lseOff, scale, c.mask(), dLengths, c.p(), seed);
    float[] gotOut = fx.down(dOut, out.length);
    float[] gotLse = fx.down(dLse, lse.length);
    // Only the written parts: the device buffers started at zero.
    fx.check(
        "attention out", slice(out, outOff, B * Tq * hd), slice(gotOut, outOff, B * Tq * hd), 1e-5);
    fx.check(
        "attention lse", slice(lse, lseOff, B * H * Tq), slice(gotLse, lseOff, B * H * Tq), 1e-5);

    // Backward from the CPU's forward results, run twice into zeroed gradient buffers so that the
    // comparison also covers adding into what is there.
    float[] dout = normal(5, 1 + B * Tq * hd, 1);
    int gqStride = c.self() ? 3 * hd : hd + 1;
    int gkvStride = c.self() ? 3 * hd : 2 * hd;
    int gqOff = 2;
    int gkOff = c.self() ? 2 + hd : 3;
    int gvOff = gkOff + hd;
    float[] wantGq = new float[gqOff + B * Tq * gqStride];
    float[] wantGkv = c.self() ? wantGq : new float[gkOff + B * Tk * gkvStride];
    Buffer dGq = fx.up(new float[wantGq.length]);
    Buffer dGkv = c.self() ? dGq : fx.up(new float[wantGkv.length]);
    Buffer dOutCpu = fx.up(out);
    Buffer dDout = fx.up(dout);
    Buffer dLseCpu = fx.up(lse);
    for (int pass = 0; pass < 2; pass++) {
      Kernels32.attentionBackward(
          B,
          Tq,
          Tk,
          H,
          dh,
          q,
          qOff,
          qStride,
          kv,
          kOff,
          kvStride,
          kv,
          vOff,
          kvStride,
          out,
          outOff,
          dout,
          1,
          lse,
          lseOff,
          wantGq,
          gqOff,
          gqStride,
          wantGkv,
          gkOff,
          gkvStride,
          wantGkv,
          gvOff,
          gkvStride,
          scale,
          c.mask(),
          c.lengths(),
          c.p(),
          seed);
      dk.attentionBackward(
          B, Tq, Tk, H, dh, dq, qOff, qStride, dkv, kOff, kvStride, dkv, vOff, kvStride, dOutCpu,
          outOff, dDout, 1, dLseCpu, lseOff, dGq, gqOff, gqStride, dGkv, gkOff, gkvStride, dGkv,
          gvOff, gkvStride, scale, c.mask(), dLengths, c.p(), seed);
    }
    fx.check(
        "attentionBackward " + (c.self() ? "dqkv" : "dq"),
        wantGq,
        fx.down(dGq, wantGq.length),
        1e-4);
    if (!c.self()) {
      fx.check("attentionBackward dkv", wantGkv, fx.down(dGkv, wantGkv.length), 1e-4);
    }
  }

  private static float[] slice(float[] x, int off, int n) {
    return java.util.Arrays.copyOfRange(x, off, off + n);
  }
}
