package dev.kiln.processor.passes;

import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Param;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.Shape.Monomial;
import dev.kiln.processor.ir.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The static memory plan: one parameter buffer (and a gradient buffer with the same layout), and one
 * activation arena shared by forward values and activation gradients, reused by liveness over the
 * forward-then-backward schedule. Without training, dropout is the identity and its output shares
 * its input's memory (see {@link #aliasedWhenEval}), so the plan keeps that input live as long.
 *
 * <p>Every value's size is a constant times a monomial of the run-time dims ({@code 768·B·T}). Values
 * are grouped by monomial and each group is packed with first-fit over live intervals in units of
 * its monomial, which is exact for every B and T. The arena is the groups side by side, so its size
 * is the closed form {@code Σ peak_g · m_g(B, T)}, known at compile time.
 *
 * @param paramOffsets offset of each parameter in the parameter buffer
 * @param groups the arena groups in layout order
 * @param slots where each arena value lives: group index and offset in units of the group's monomial
 * @param intValues integer activations (position ids), each in its own small buffer
 */
public record MemoryPlan(
    Map<String, Long> paramOffsets,
    long parameterCount,
    List<Group> groups,
    Map<Integer, Slot> slots,
    List<Value> intValues) {

  /** Alignment of every offset, in elements (64 bytes of floats). */
  public static final int ALIGN = 16;

  /** A group of values of one monomial; {@code peak} is its packed size in units of the monomial. */
  public record Group(Monomial monomial, long peak) {}

  public record Slot(int group, long offset, long size) {}

  /** Plans {@code g}, which must already contain its backward nodes (if any). */
  public static MemoryPlan plan(Graph g) {
    Map<String, Long> paramOffsets = new LinkedHashMap<>();
    long offset = 0;
    for (Param p : g.params()) {
      paramOffsets.put(p.name(), offset);
      offset += align(p.size());
    }
    List<Node> schedule = g.nodes();
    Map<Integer, int[]> live = new LinkedHashMap<>(); // value id -> [def, lastUse]
    Map<Integer, Value> values = new HashMap<>();
    List<Value> ints = new ArrayList<>();
    for (int i = 0; i < schedule.size(); i++) {
      Node n = schedule.get(i);
      for (Value v : n.outputs()) {
        if (inArena(v)) {
          values.put(v.id(), v);
          int[] r = live.computeIfAbsent(v.id(), k -> new int[] {Integer.MAX_VALUE, -1});
          r[0] = Math.min(r[0], i);
          r[1] = Math.max(r[1], i);
        } else if (v.dtype() == DType.INT && v.role() == Role.ACTIVATION) {
          ints.add(v);
        }
      }
      // A fused pair's first node reads its inputs until the second node is done.
      int readUntil = Fusion.extendsInputs(schedule, i) ? i + 1 : i;
      for (Value v : n.inputs()) {
        int[] r = live.get(v.id());
        if (r != null) {
          r[1] = Math.max(r[1], readUntil);
        }
      }
    }
    // Outputs (and the loss) stay readable after forward and backward.
    int end = schedule.size();
    for (Value v : g.outputs().values()) {
      int[] r = live.get(v.id());
      if (r != null) {
        r[1] = end;
      }
    }
    // Without training, a dropout's output is its input (no copy): the input then stays live for as
    // long as the output is read. Last nodes first, so a chain of dropouts extends all the way.
    for (int i = schedule.size() - 1; i >= 0; i--) {
      Node n = schedule.get(i);
      if (aliasedWhenEval(n)) {
        int[] in = live.get(n.inputs().get(0).id());
        in[1] = Math.max(in[1], live.get(n.out().id())[1]);
      }
    }
    // Group by monomial, in a stable order.
    TreeMap<Monomial, List<Integer>> byMonomial = new TreeMap<>();
    for (int id : live.keySet()) {
      byMonomial
          .computeIfAbsent(values.get(id).shape().monomial(), k -> new ArrayList<>())
          .add(id);
    }
    List<Group> groups = new ArrayList<>();
    Map<Integer, Slot> slots = new LinkedHashMap<>();
    for (Map.Entry<Monomial, List<Integer>> e : byMonomial.entrySet()) {
      int groupIndex = groups.size();
      List<Integer> ids = new ArrayList<>(e.getValue());
      ids.sort(Comparator.comparingInt((Integer id) -> live.get(id)[0]).thenComparing(id -> id));
      List<long[]> placed = new ArrayList<>(); // [offset, size, lastUse]
      long peak = 0;
      for (int id : ids) {
        int[] r = live.get(id);
        long size = align(values.get(id).shape().coefficient());
        placed.removeIf(p -> p[2] < r[0]);
        placed.sort(Comparator.comparingLong(p -> p[0]));
        long at = 0;
        for (long[] p : placed) {
          if (p[0] - at >= size) {
            break;
          }
          at = Math.max(at, p[0] + p[1]);
        }
        placed.add(new long[] {at, size, r[1]});
        slots.put(id, new Slot(groupIndex, at, size));
        peak = Math.max(peak, at + size);
      }
      groups.add(new Group(e.getKey(), peak));
    }
    return new MemoryPlan(paramOffsets, offset, groups, slots, ints);
  }

  /**
   * Whether {@code n} is a dropout whose output, when not training, is its input rather than a copy:
   * the generated code then points the output's arena offset at the input's.
   */
  public static boolean aliasedWhenEval(Node n) {
    return n.op() instanceof Op.Dropout && inArena(n.inputs().get(0)) && inArena(n.out());
  }

  static boolean inArena(Value v) {
    return v.dtype() == DType.FLOAT && (v.role() == Role.ACTIVATION || v.role() == Role.GRAD);
  }

  static long align(long n) {
    return (n + ALIGN - 1) / ALIGN * ALIGN;
  }

  /** Arena size in elements for concrete run-time dims. */
  public long arenaSize(Map<String, Integer> dims) {
    long total = 0;
    for (Group gr : groups) {
      total += gr.peak() * evaluate(gr.monomial(), dims);
    }
    return total;
  }

  /** Offset in elements of an arena value for concrete run-time dims. */
  public long offset(Value v, Map<String, Integer> dims) {
    Slot s = slots.get(v.id());
    long base = 0;
    for (int i = 0; i < s.group(); i++) {
      base += groups.get(i).peak() * evaluate(groups.get(i).monomial(), dims);
    }
    return base + s.offset() * evaluate(groups.get(s.group()).monomial(), dims);
  }

  public static long evaluate(Monomial m, Map<String, Integer> dims) {
    long v = 1;
    for (Map.Entry<String, Integer> e : m.powers().entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        v *= dims.get(e.getKey());
      }
    }
    return v;
  }

  /** The arena size as a formula, e.g. {@code 1216·B·T + 64·T + 32}. */
  public String formula() {
    List<String> terms = new ArrayList<>();
    for (int i = groups.size() - 1; i >= 0; i--) {
      Group gr = groups.get(i);
      String m = gr.monomial().toString();
      terms.add(m.equals("1") ? Long.toString(gr.peak()) : gr.peak() + "*" + m);
    }
    return terms.isEmpty() ? "0" : String.join(" + ", terms);
  }

  /** Shape of an arena value for size reports. */
  static long coefficient(Shape s) {
    return s.coefficient();
  }
}
