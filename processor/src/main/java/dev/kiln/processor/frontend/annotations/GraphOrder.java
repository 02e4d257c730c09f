package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which the methods of one interface become statements: declaration order, except that
 * a method is pulled in just before the first method that reads it (a depth-first walk in declaration
 * order). A dependency cycle is reported once, starting at its earliest-declared method.
 */
final class GraphOrder {
  private enum State {
    NEW,
    ACTIVE,
    DONE
  }

  private final List<MethodDecl> methods;
  private final Map<String, List<String>> reads;
  private final Where where;
  private final Diagnostics diags;
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, State> state = new HashMap<>();
  private final List<String> stack = new ArrayList<>();
  private final List<MethodDecl> out = new ArrayList<>();

  private GraphOrder(
      List<MethodDecl> methods, Map<String, List<String>> reads, Where where, Diagnostics diags) {
    this.methods = methods;
    this.reads = reads;
    this.where = where;
    this.diags = diags;
    for (int i = 0; i < methods.size(); i++) {
      index.put(methods.get(i).name(), i);
      state.put(methods.get(i).name(), State.NEW);
    }
  }

  /**
   * Orders {@code methods}; {@code reads} maps a method to the names it reads (names that are not
   * methods, such as inputs, are ignored). Returns null when there is a cycle.
   */
  static List<MethodDecl> order(
      List<MethodDecl> methods, Map<String, List<String>> reads, Where where, Diagnostics diags) {
    GraphOrder g = new GraphOrder(methods, reads, where, diags);
    boolean ok = true;
    for (MethodDecl m : methods) {
      ok &= g.visit(m.name());
    }
    return ok ? g.out : null;
  }

  private boolean visit(String name) {
    switch (state.get(name)) {
      case DONE -> {
        return true;
      }
      case ACTIVE -> {
        cycle(stack.subList(stack.indexOf(name), stack.size()));
        return false;
      }
      case NEW -> {}
    }
    state.put(name, State.ACTIVE);
    stack.add(name);
    boolean ok = true;
    for (String r : reads.getOrDefault(name, List.of())) {
      if (index.containsKey(r)) {
        ok &= visit(r);
      }
    }
    stack.removeLast();
    state.put(name, State.DONE);
    out.add(methods.get(index.get(name)));
    return ok;
  }

  /** Reports {@code a -> b -> a}, rotated to start at the earliest-declared method so each cycle reads one way. */
  private void cycle(List<String> members) {
    int first = 0;
    for (int i = 1; i < members.size(); i++) {
      if (index.get(members.get(i)) < index.get(members.get(first))) {
        first = i;
      }
    }
    List<String> path = new ArrayList<>(members.subList(first, members.size()));
    path.addAll(members.subList(0, first));
    path.add(path.getFirst());
    MethodDecl at = methods.get(index.get(path.getFirst()));
    Message.CYCLE.report(diags, where.at(at.element()), String.join(" -> ", path));
  }
}
