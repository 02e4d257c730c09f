package dev.kiln.processor;

import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.passes.Autodiff;
import dev.kiln.processor.passes.MemoryPlan;
import dev.kiln.processor.passes.Verifier;
import dev.kiln.processor.sema.Elaborator;
import dev.kiln.processor.sema.Program;
import java.util.Map;

/** The compiler's passes in order, one line each; the verifier runs between them. */
public final class Pipeline {
  private Pipeline() {}

  /** A compiled model: its forward graph, the graph with backward, and the memory plan. */
  public record Compiled(Graph forward, Graph graph, MemoryPlan plan) {}

  /** Compiles model {@code name} of {@code program}; null when any error was reported. */
  public static Compiled run(
      Program program, String name, Map<String, Expr> config, Span request, Diagnostics diags) {
    Graph forward = Elaborator.elaborate(
        program, name, config, request, diags); // AST -> IR, with every user-facing check
    if (forward == null || diags.hasErrors()) {
      return null;
    }
    Verifier.verify(forward, "elaboration");
    Graph graph =
        Verifier.verify(Autodiff.run(forward), "autodiff"); // reverse mode, one rule per op
    MemoryPlan plan = MemoryPlan.plan(graph); // parameter offsets, liveness-packed activation arena
    return new Compiled(forward, graph, plan);
  }
}
