package dev.kiln.processor.passes;

import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import java.util.List;

/**
 * Element-wise chains that the generated CPU code runs as one fused kernel: a dense layer and the
 * activation applied to it ({@code Kernels32.linear}, which adds the bias and applies the activation
 * to each block of the product while it is in cache), and a residual add and the layer norm of the
 * sum ({@code addLayerNorm}, row by row). A pair is two consecutive forward nodes of one layer whose
 * second node reads the first one's output; the nodes and their values stay as they are, so autodiff
 * and the backward code do not change. The device code keeps the separate calls.
 *
 * <p>Fusing overlaps the two nodes in time, so the memory plan keeps the first node's inputs live
 * through the second node ({@link #extendsInputs}): the second node's outputs then never share
 * memory with an input the fused kernel is still reading.
 */
public final class Fusion {
  private Fusion() {}

  /** What a fused pair computes. */
  public enum Kind {
    /** {@code Linear} then {@code relu}, {@code gelu} or {@code gelu_tanh} of its output. */
    LINEAR_ACTIVATION,
    /** {@code a + b} of equal shapes, then {@code layer_norm} of the sum. */
    ADD_LAYER_NORM
  }

  /** The fused pair that {@code nodes[i]} starts, or null when it starts none. */
  public static Kind pairAt(List<Node> nodes, int i) {
    if (i + 1 >= nodes.size()) {
      return null;
    }
    Node n = nodes.get(i);
    Node next = nodes.get(i + 1);
    if (!n.layer().equals(next.layer())
        || next.inputs().isEmpty()
        || next.inputs().getFirst().id() != n.out().id()) {
      return null;
    }
    if (n.op() instanceof Op.Linear
        && next.op() instanceof Op.Pointwise pw
        && pw.fn() != Op.Fn.TANH) {
      return Kind.LINEAR_ACTIVATION;
    }
    if (n.op() instanceof Op.Binary b
        && b.kind() == Op.Arith.ADD
        && n.inputs().get(0).shape().equals(n.inputs().get(1).shape())
        && next.op() instanceof Op.LayerNorm) {
      return Kind.ADD_LAYER_NORM;
    }
    return null;
  }

  /** Whether {@code nodes[i]}'s inputs must stay live through {@code nodes[i + 1]}. */
  static boolean extendsInputs(List<Node> nodes, int i) {
    return pairAt(nodes, i) != null;
  }
}
