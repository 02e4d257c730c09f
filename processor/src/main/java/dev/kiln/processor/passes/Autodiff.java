package dev.kiln.processor.passes;

import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation of the forward graph with respect to its loss. Walks the forward
 * nodes backwards from the loss and, for each node through which a gradient flows, appends one
 * {@link Op.Backward} node whose inputs are the output gradient plus the forward values the op's
 * derivative rule reads, and whose outputs are the gradients of the op's differentiable inputs.
 * Backward nodes accumulate, so a value used twice (a residual, a tied weight) simply receives two
 * contributions.
 */
public final class Autodiff {
  private Autodiff() {}

  public static Graph run(Graph g) {
    if (g.loss() == null) {
      return g;
    }
    List<Node> forward = g.forwardNodes();
    Set<Integer> dependsOnParams = new HashSet<>();
    for (Value p : g.paramValues().values()) {
      dependsOnParams.add(p.id());
    }
    for (Node n : forward) {
      if (!n.op().hasBackward()) {
        continue;
      }
      for (int i = 0; i < n.inputs().size(); i++) {
        if (n.op().differentiable(i, n.inputs())
            && dependsOnParams.contains(n.inputs().get(i).id())) {
          dependsOnParams.add(n.out().id());
          break;
        }
      }
    }
    int nextValue = maxValueId(g) + 1;
    int nextNode = maxNodeId(g) + 1;
    Map<Value, Value> grads = new LinkedHashMap<>();
    List<Node> nodes = new ArrayList<>(forward);
    Value lossGrad = new Value(
        nextValue++, "d_" + g.loss().name(), g.loss().shape(), g.loss().dtype(), Role.GRAD);
    grads.put(g.loss(), lossGrad);
    Node last = forward.getLast();
    nodes.add(new Node(
        nextNode++, new Op.Seed(), List.of(), List.of(lossGrad), last.span(), "backward_seed", ""));
    for (int k = forward.size() - 1; k >= 0; k--) {
      Node n = forward.get(k);
      Value dOut = grads.get(n.out());
      if (dOut == null || !n.op().hasBackward()) {
        continue;
      }
      List<Integer> gradOf = new ArrayList<>();
      List<Value> gradValues = new ArrayList<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        Value in = n.inputs().get(i);
        if (!n.op().differentiable(i, n.inputs()) || !dependsOnParams.contains(in.id())) {
          continue;
        }
        Value gv = grads.get(in);
        if (gv == null) {
          Role role = in.role() == Role.PARAM ? Role.PARAM_GRAD : Role.GRAD;
          gv = new Value(
              nextValue++,
              in.role() == Role.PARAM ? in.name() : "d_" + in.name(),
              in.shape(),
              in.dtype(),
              role);
          grads.put(in, gv);
        }
        gradOf.add(i);
        gradValues.add(gv);
      }
      if (gradOf.isEmpty()) {
        continue;
      }
      List<Value> reads = new ArrayList<>();
      reads.add(dOut);
      for (int i : n.op().savedInputs(n.inputs().size())) {
        reads.add(n.inputs().get(i));
      }
      for (int i : n.op().savedOutputs()) {
        reads.add(n.outputs().get(i));
      }
      nodes.add(new Node(
          nextNode++,
          new Op.Backward(n, gradOf),
          reads,
          gradValues,
          n.span(),
          n.layer(),
          n.source()));
    }
    return g.withNodes(nodes, grads);
  }

  static int maxValueId(Graph g) {
    int max = -1;
    for (Value v : g.paramValues().values()) {
      max = Math.max(max, v.id());
    }
    for (Value v : g.inputs()) {
      max = Math.max(max, v.id());
    }
    for (Node n : g.nodes()) {
      for (Value v : n.outputs()) {
        max = Math.max(max, v.id());
      }
    }
    return max;
  }

  private static int maxNodeId(Graph g) {
    int max = -1;
    for (Node n : g.nodes()) {
      max = Math.max(max, n.id());
    }
    return max;
  }
}
