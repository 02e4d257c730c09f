package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Span;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bindings visible in one model or block instance. Lookups fall back to {@code parent} (a block
 * instance sees the calling model's configuration).
 */
final class Env {
  record Binding(SemValue value, Span span) {}

  private final Env parent;
  private final Map<String, Binding> bindings = new LinkedHashMap<>();

  Env(Env parent) {
    this.parent = parent;
  }

  void bind(String name, SemValue value, Span span) {
    bindings.put(name, new Binding(value, span));
  }

  void unbind(String name) {
    bindings.remove(name);
  }

  Binding lookup(String name) {
    Binding b = bindings.get(name);
    return b != null || parent == null ? b : parent.lookup(name);
  }

  Set<String> names() {
    Set<String> all = new LinkedHashSet<>(parent == null ? Set.of() : parent.names());
    all.addAll(bindings.keySet());
    return all;
  }
}
