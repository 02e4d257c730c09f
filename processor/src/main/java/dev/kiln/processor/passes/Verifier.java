package dev.kiln.processor.passes;

import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Param;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.ShapeException;
import dev.kiln.processor.ir.Value;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks the invariants every stage must keep: values are defined before they are read, forward
 * values are defined once, every forward node's output shapes are what its shape rule says, backward
 * nodes only write gradients of the right shape, parameters and outputs are known. A violation is a
 * compiler bug, reported as an internal error naming the pass after which it was found.
 */
public final class Verifier {
  private Verifier() {}

  /** Thrown on a broken invariant. */
  public static final class BrokenInvariant extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BrokenInvariant(String message) {
      super(message);
    }
  }

  public static Graph verify(Graph g, String after) {
    Set<Integer> defined = new HashSet<>();
    for (Param p : g.params()) {
      Value v = g.paramValues().get(p.name());
      check(
          v != null && v.role() == Role.PARAM && v.shape().equals(p.shape()),
          after,
          "parameter " + p.name() + " has no matching value");
      defined.add(v.id());
    }
    for (Value v : g.inputs()) {
      check(v.role() == Role.INPUT, after, "input " + v + " has role " + v.role());
      defined.add(v.id());
    }
    Set<Integer> accumulated = new HashSet<>();
    for (Node n : g.nodes()) {
      check(!n.layer().isEmpty(), after, "node " + n.id() + " has no layer");
      for (Value in : n.inputs()) {
        check(
            defined.contains(in.id()) || accumulated.contains(in.id()),
            after,
            "node " + n.id() + " (" + n.op().name() + ") reads " + in + " before it is defined");
      }
      if (n.op() instanceof Op.Backward b) {
        for (int i = 0; i < n.outputs().size(); i++) {
          Value gv = n.outputs().get(i);
          Value of = b.forward().inputs().get(b.gradOf().get(i));
          check(
              gv.role() == Role.GRAD || gv.role() == Role.PARAM_GRAD,
              after,
              "backward node " + n.id() + " writes non-gradient " + gv);
          check(
              gv.shape().equals(of.shape()),
              after,
              "gradient " + gv + " has shape " + gv.shape() + " but " + of + " has " + of.shape());
          accumulated.add(gv.id());
        }
        continue;
      }
      for (Value out : n.outputs()) {
        check(defined.add(out.id()), after, out + " is defined twice");
      }
      if (n.op() instanceof Op.Seed) {
        continue;
      }
      try {
        List<Shape> shapes = n.op().infer(n.inputs());
        check(
            shapes.size() == n.outputs().size(),
            after,
            "node " + n.id() + " has " + n.outputs().size() + " outputs, its op " + shapes.size());
        for (int i = 0; i < shapes.size(); i++) {
          check(
              shapes.get(i).equals(n.outputs().get(i).shape()),
              after,
              "node " + n.id() + " output " + i + " has shape "
                  + n.outputs().get(i).shape() + ", its op says " + shapes.get(i));
        }
      } catch (ShapeException e) {
        throw new BrokenInvariant(
            "after " + after + ": node " + n.id() + " violates its shape rule: " + e.getMessage());
      }
    }
    for (Value out : g.outputs().values()) {
      check(defined.contains(out.id()), after, "output " + out + " is never computed");
    }
    if (g.loss() != null) {
      check(g.loss().shape().rank() == 0, after, "loss " + g.loss() + " is not a scalar");
    }
    return g;
  }

  private static void check(boolean ok, String after, String what) {
    if (!ok) {
      throw new BrokenInvariant("after " + after + ": " + what);
    }
  }
}
