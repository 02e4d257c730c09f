package dev.kiln.processor.frontend.annotations;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names a method of one interface may read: the interface's methods and its inputs (model inputs,
 * or a block's inputs). {@code owner} is "model X" or "block X", for messages.
 */
record Scope(String owner, Map<String, MethodDecl> methods, Map<String, ValueKind> inputs) {

  boolean knows(String name) {
    return methods.containsKey(name) || inputs.containsKey(name);
  }

  /** Every readable name, sorted, for "did you mean" hints. */
  Set<String> names() {
    Set<String> all = new TreeSet<>(methods.keySet());
    all.addAll(inputs.keySet());
    return all;
  }
}
