package dev.kiln.processor.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.Pipeline;
import dev.kiln.processor.frontend.FileSystemResolver;
import dev.kiln.processor.frontend.ModelFiles;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The activation arena of every stdlib model at its published (default) size, checked against the
 * schedule independently of how the plan was made: for several (B, T), no two values that are live
 * at the same step share an element, every value lies inside the arena, offsets are aligned, and
 * reuse makes the arena smaller than the sum of all values; fused pairs and dropouts read in place
 * (without training) never find what they read overwritten.
 */
class MemoryPlanTest {
  private static final Path STDLIB =
      Path.of("..", "stdlib-models", "src", "main", "resources", "dev", "kiln", "stdlib", "models");

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "gpt2.model, Gpt2",
    "gpt3.model, Gpt3",
    "bert.model, BertForPreTraining",
    "bert.model, BertModel",
    "transformer.model, Transformer",
    "gpt1.model, Gpt1Classifier",
  })
  void liveValuesNeverOverlap(String file, String model) {
    Diagnostics diags = new Diagnostics();
    var program = ModelFiles.load(
        FileSystemResolver.read(STDLIB.resolve(file)),
        new FileSystemResolver(List.of(STDLIB)),
        diags);
    Pipeline.Compiled c = Pipeline.run(program, model, Map.of(), null, diags);
    assertFalse(diags.hasErrors(), diags.all().toString());
    assertNotNull(c);
    Graph g = c.graph();
    MemoryPlan plan = c.plan();

    // Live intervals from the schedule: defined at the first node writing it, live to the last
    // reading it, outputs to the end.
    Map<Integer, int[]> live = new HashMap<>();
    Map<Integer, Value> values = new HashMap<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (Value v : nodes.get(i).outputs()) {
        if (MemoryPlan.inArena(v)) {
          values.put(v.id(), v);
          int[] r = live.computeIfAbsent(v.id(), k -> new int[] {Integer.MAX_VALUE, -1});
          r[0] = Math.min(r[0], i);
          r[1] = Math.max(r[1], i);
        }
      }
      for (Value v : nodes.get(i).inputs()) {
        if (live.containsKey(v.id())) {
          live.get(v.id())[1] = Math.max(live.get(v.id())[1], i);
        }
      }
    }
    for (Value v : g.outputs().values()) {
      if (live.containsKey(v.id())) {
        live.get(v.id())[1] = nodes.size();
      }
    }
    assertEquals(live.keySet(), plan.slots().keySet(), "every arena value has a slot");

    for (Map<String, Integer> dims : List.of(
        Map.of("B", 1, "T", 1),
        Map.of("B", 3, "T", 7),
        Map.of("B", 8, "T", 64),
        Map.of("B", 2, "T", 5, "S", 9))) {
      Map<String, Integer> d = new HashMap<>(dims);
      d.putIfAbsent("S", 11); // the encoder-decoder's source length
      long arena = plan.arenaSize(d);
      long total = 0;
      List<long[]> spans = new ArrayList<>(); // [start, end, def, lastUse]
      for (int id : live.keySet()) {
        Value v = values.get(id);
        long start = plan.offset(v, d);
        long size = v.shape().coefficient() * MemoryPlan.evaluate(v.shape().monomial(), d);
        assertEquals(0, start % MemoryPlan.ALIGN, v + " is aligned");
        assertTrue(start >= 0 && start + size <= arena, v + " lies inside the arena at " + d);
        total += size;
        spans.add(new long[] {start, start + size, live.get(id)[0], live.get(id)[1]});
      }
      for (int i = 0; i < spans.size(); i++) {
        for (int j = i + 1; j < spans.size(); j++) {
          long[] a = spans.get(i);
          long[] b = spans.get(j);
          boolean bothLive = a[2] <= b[3] && b[2] <= a[3];
          boolean shareMemory = a[0] < b[1] && b[0] < a[1] && a[1] > a[0] && b[1] > b[0];
          assertFalse(bothLive && shareMemory, "two live values share memory at " + d);
        }
      }
      // A fused pair runs as one kernel: its second node's outputs must not share memory with
      // anything its first node reads.
      int pairs = 0;
      for (int i = 0; i < nodes.size(); i++) {
        if (Fusion.pairAt(nodes, i) == null) {
          continue;
        }
        pairs++;
        for (Value in : nodes.get(i).inputs()) {
          for (Value out : nodes.get(i + 1).outputs()) {
            if (values.containsKey(in.id()) && values.containsKey(out.id())) {
              long[] x = span(plan, in, d);
              long[] y = span(plan, out, d);
              assertFalse(
                  x[0] < y[1] && y[0] < x[1] && x[1] > x[0] && y[1] > y[0],
                  "fused " + nodes.get(i + 1) + " writes " + out + " over " + in + " at " + d);
            }
          }
        }
      }
      assertTrue(pairs > 0, model + " has fused pairs");
      // Without training, a dropout's output is its input, read in place: nothing defined from the
      // dropout until the last read of its output (through any chain of dropouts) may overwrite it.
      Map<Integer, Integer> readUntil = new HashMap<>();
      int dropouts = 0;
      for (int i = nodes.size() - 1; i >= 0; i--) {
        Node n = nodes.get(i);
        if (!MemoryPlan.aliasedWhenEval(n)) {
          continue;
        }
        dropouts++;
        Value x = n.inputs().get(0);
        Value y = n.out();
        int until = Math.max(live.get(y.id())[1], readUntil.getOrDefault(y.id(), -1));
        readUntil.merge(x.id(), until, Math::max);
        long[] xs = span(plan, x, d);
        for (int id : live.keySet()) {
          int def = live.get(id)[0];
          if (id != y.id() && def > i && def <= until) {
            long[] vs = span(plan, values.get(id), d);
            assertFalse(
                xs[0] < vs[1] && vs[0] < xs[1] && xs[1] > xs[0] && vs[1] > vs[0],
                values.get(id) + " overwrites " + x + ", which " + y + " reads at " + d);
          }
        }
      }
      // GPT-3's published dropout is 0, which compiles to no node at all.
      assertEquals(model.equals("Gpt3"), dropouts == 0, model + " has dropouts read in place");
      assertTrue(
          arena < total,
          model + ": arena " + arena + " reuses memory (sum of values " + total + ") at " + d);
    }
  }

  private static long[] span(MemoryPlan plan, Value v, Map<String, Integer> d) {
    long start = plan.offset(v, d);
    return new long[] {
      start, start + v.shape().coefficient() * MemoryPlan.evaluate(v.shape().monomial(), d)
    };
  }
}
