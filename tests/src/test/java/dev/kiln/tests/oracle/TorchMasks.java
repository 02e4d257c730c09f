package dev.kiln.tests.oracle;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Attention masks as boolean "may attend" tensors built from their definitions with PyTorch
 * comparisons, shaped to broadcast against scores [B, H, Tq, Tk].
 */
final class TorchMasks {
  private TorchMasks() {}

  /** {@code causal}: key k visible to query q iff k <= q; [Tq, Tk]. */
  static Tensor causal(long t) {
    return keys(t).le(queries(t));
  }

  /** {@code band(w)}: |q − k| < w; with causal, the window q − w < k <= q; [Tq, Tk]. */
  static Tensor band(long t, long w) {
    Tensor q = queries(t);
    return keys(t).gt(q.sub(new Scalar(w))).logical_and(keys(t).lt(q.add(new Scalar(w))));
  }

  /** {@code padding}: keys k >= lengths[b] hidden; [B, 1, 1, Tk] from int64 lengths [B]. */
  static Tensor padding(Tensor lengths, long t) {
    return keys(t).view(1, 1, 1, t).lt(lengths.view(lengths.size(0), 1, 1, 1));
  }

  private static Tensor queries(long t) {
    return range(t).view(t, 1);
  }

  private static Tensor keys(long t) {
    return range(t).view(1, t);
  }

  private static Tensor range(long t) {
    return torch.arange(new Scalar(t), new TensorOptions(torch.ScalarType.Long));
  }
}
