package dev.kiln.processor.passes;

import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Dim;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.MaskExpr;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.ir.Value;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a model can generate with a KV cache, and what its incremental decoder runs.
 *
 * <p>A model qualifies when its first integer input is {@code tokens [B, T]} with a bound on T, it
 * has an output {@code logits [B, T, V]}, and every node that output depends on works position by
 * position — embeddings, positions, linear maps, norms, point-wise functions, broadcasts of
 * per-position tables — except self-attention whose mask never lets a query see a later key
 * ({@code causal}, possibly narrowed with {@code &}). Then the new tokens' logits depend only on
 * the new tokens and the cached keys and values of earlier positions, which is what the generated
 * {@code decode} computes.
 *
 * @param tokens the token input
 * @param logits the logits output
 * @param nodes the forward nodes the logits depend on, in execution order
 * @param maxPositions the bound of T: the cache length
 */
public record DecodePlan(Value tokens, Value logits, List<Node> nodes, int maxPositions) {

  /** The plan, or null when the model cannot decode incrementally. */
  public static DecodePlan of(Graph g) {
    Value logits = g.outputs().get("logits");
    Value tokens =
        g.inputs().stream().filter(v -> v.dtype() == DType.INT).findFirst().orElse(null);
    if (logits == null
        || tokens == null
        || tokens.shape().rank() != 2
        || logits.shape().rank() != 3) {
      return null;
    }
    if (!(tokens.shape().dim(0) instanceof Dim.Sym b)
        || !(tokens.shape().dim(1) instanceof Dim.Sym t)) {
      return null;
    }
    if (!logits.shape().dim(0).equals(b) || !logits.shape().dim(1).equals(t)) {
      return null;
    }
    RuntimeDim time = g.dim(t.name());
    if (time == null || time.max() <= 0) {
      return null;
    }
    List<Node> forward = g.forwardNodes();
    Set<Integer> needed = new HashSet<>();
    needed.add(logits.id());
    List<Node> slice = new ArrayList<>();
    for (int i = forward.size() - 1; i >= 0; i--) {
      Node n = forward.get(i);
      if (n.outputs().stream().noneMatch(v -> needed.contains(v.id()))) {
        continue;
      }
      if (!positionWise(n, b, t)) {
        return null;
      }
      slice.addFirst(n);
      for (Value in : n.inputs()) {
        if (in.role() == Role.INPUT && !in.equals(tokens)) {
          return null; // another input (lengths, a second sequence) feeds the logits
        }
        needed.add(in.id());
      }
    }
    return new DecodePlan(tokens, logits, slice, time.max());
  }

  private static boolean positionWise(Node n, Dim.Sym b, Dim.Sym t) {
    return switch (n.op()) {
      case Op.Iota i -> i.length().equals(t);
      case Op.Sinusoidal s -> s.length().equals(t);
      case Op.Embedding _,
          Op.Linear _,
          Op.LayerNorm _,
          Op.Pointwise _,
          Op.Scale _,
          Op.Dropout _,
          Op.Binary _ -> timeLeading(n, b, t);
      case Op.Softmax s -> timeLeading(n, b, t) && !n.out().shape().last().equals(t);
      case Op.MatMul m -> n.inputs().get(1).shape().rank() == 2 && timeLeading(n, b, t);
      case Op.Attention a ->
        !a.cross() && a.lengthsInput() == null && a.dropout() >= 0 && causalOnly(a.mask());
      default -> false;
    };
  }

  /** The node's output is [B, T, ...] or [T, ...] and T appears nowhere else in it. */
  private static boolean timeLeading(Node n, Dim.Sym b, Dim.Sym t) {
    List<Dim> dims = n.out().shape().dims();
    int at = !dims.isEmpty() && dims.getFirst().equals(b) ? 1 : 0;
    if (dims.size() <= at || !dims.get(at).equals(t)) {
      return false;
    }
    for (int i = at + 1; i < dims.size(); i++) {
      if (dims.get(i) instanceof Dim.Sym) {
        return false;
      }
    }
    return true;
  }

  /** Whether the mask hides every later key: it is causal, or causal intersected with anything. */
  static boolean causalOnly(MaskExpr m) {
    return switch (m) {
      case MaskExpr.Causal c -> true;
      case MaskExpr.And a -> causalOnly(a.a()) || causalOnly(a.b());
      default -> false;
    };
  }
}
