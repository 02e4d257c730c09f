package dev.kiln.tests.oracle;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * The layers of the test architectures as plain PyTorch ops on Kiln-named parameters, following
 * Kiln's storage conventions (linear weights [in, out], packed qkv) rather than torch.nn's.
 */
final class TorchOps {
  /** at::Reduction::Mean, which the JavaCPP presets do not expose as a constant. */
  private static final long MEAN = 1;

  /** PyTorch's own ignore_index default: no target is ignored. */
  static final long NO_IGNORE = -100;

  private TorchOps() {}

  /** {@code x · W + b} with {@code <name>.weight} stored [in, out], as Kiln stores it. */
  static Tensor linear(TorchParams p, String name, Tensor x) {
    return x.matmul(p.get(name + ".weight")).add(p.get(name + ".bias"));
  }

  /** Layer norm over the last axis with {@code <name>.weight} and {@code <name>.bias}. */
  static Tensor layerNorm(TorchParams p, String name, Tensor x, double eps) {
    return torch.layer_norm(
        x,
        new long[] {x.size(-1)},
        new TensorOptional(p.get(name + ".weight")),
        new TensorOptional(p.get(name + ".bias")),
        eps,
        false);
  }

  /** Rows {@code ids} of {@code table}. */
  static Tensor embedding(Tensor table, Tensor ids) {
    return torch.embedding(table, ids);
  }

  /** GELU, {@code tanh} approximation ({@code gelu_tanh}) or exact erf ({@code gelu}). */
  static Tensor gelu(Tensor x, boolean tanhApproximation) {
    return torch.gelu(x, tanhApproximation ? "tanh" : "none");
  }

  /**
   * Self-attention with Kiln's packed projection {@code <name>.qkv} [d, 3·H·dh] = [q | k | v], then
   * {@code <name>.proj}.
   */
  static Tensor selfAttention(TorchParams p, String name, Tensor x, int heads, Tensor allowed) {
    return selfAttention(p, name, "qkv", "proj", x, heads, allowed);
  }

  /**
   * Self-attention with the sub-projection names a .model file gives ({@code qkv_name},
   * {@code out_name}): packed {@code <name>.<qkvName>} [d, 3·H·dh], then {@code <name>.<outName>}.
   */
  static Tensor selfAttention(
      TorchParams p,
      String name,
      String qkvName,
      String outName,
      Tensor x,
      int heads,
      Tensor allowed) {
    Tensor qkv = linear(p, name + "." + qkvName, x);
    long width = qkv.size(-1) / 3;
    return attend(
        p,
        name + "." + outName,
        qkv.narrow(-1, 0, width),
        qkv.narrow(-1, width, width),
        qkv.narrow(-1, 2 * width, width),
        heads,
        allowed);
  }

  /**
   * Cross-attention: queries from {@code <name>.q} on {@code x}, keys and values from
   * {@code <name>.kv} = [k | v] on {@code memory}.
   */
  static Tensor crossAttention(
      TorchParams p, String name, Tensor x, Tensor memory, int heads, Tensor allowed) {
    Tensor kv = linear(p, name + ".kv", memory);
    long width = kv.size(-1) / 2;
    return attend(
        p,
        name + ".proj",
        linear(p, name + ".q", x),
        kv.narrow(-1, 0, width),
        kv.narrow(-1, width, width),
        heads,
        allowed);
  }

  /**
   * softmax(q·kᵀ/√dh, hiding keys where {@code allowed} is false)·v per head, heads joined, then
   * the output projection {@code out}; {@code allowed} broadcasts to [B, H, Tq, Tk], null for full
   * attention.
   */
  private static Tensor attend(
      TorchParams p, String out, Tensor q, Tensor k, Tensor v, int heads, Tensor allowed) {
    long dh = q.size(-1) / heads;
    Tensor scores = heads(q, heads)
        .matmul(heads(k, heads).transpose(-2, -1))
        .mul(new Scalar(1 / Math.sqrt((double) dh)));
    if (allowed != null) {
      scores = scores.masked_fill(allowed.logical_not(), new Scalar(Double.NEGATIVE_INFINITY));
    }
    Tensor context = scores
        .softmax(-1)
        .matmul(heads(v, heads))
        .transpose(1, 2)
        .reshape(q.size(0), q.size(1), heads * dh);
    return linear(p, out, context);
  }

  /** [B, T, H·dh] to [B, H, T, dh]: head h is the contiguous column block h·dh..(h+1)·dh. */
  private static Tensor heads(Tensor x, int heads) {
    return x.reshape(x.size(0), x.size(1), heads, x.size(2) / heads).transpose(1, 2);
  }

  /** Mean cross-entropy over the non-ignored targets, PyTorch's own label smoothing. */
  static Tensor crossEntropy(
      Tensor logits, Tensor targets, long ignoreIndex, double labelSmoothing) {
    return torch.cross_entropy_loss(
        logits.reshape(-1, logits.size(-1)),
        targets.reshape(-1),
        new TensorOptional(),
        MEAN,
        ignoreIndex,
        labelSmoothing);
  }

  /** The fixed table PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(same), [t, d]. */
  static Tensor sinusoidal(int t, int d) {
    double[] table = new double[t * d];
    for (int pos = 0; pos < t; pos++) {
      for (int j = 0; j < d; j++) {
        double angle = pos / Math.pow(10000, (double) (j - j % 2) / d);
        table[pos * d + j] = j % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
      }
    }
    return TorchOracle.doubles(new long[] {t, d}, table);
  }
}
