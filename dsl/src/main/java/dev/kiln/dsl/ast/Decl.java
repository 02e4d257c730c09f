package dev.kiln.dsl.ast;

import java.util.List;

/** A top-level declaration: a model or a reusable block. */
public sealed interface Decl extends Node {
  String name();

  List<Param> params();

  List<Stmt> body();

  /** {@code model Name(config params) { body }} — the unit that becomes a generated model class. */
  record Model(String name, List<Param> params, List<Stmt> body, Span span) implements Decl {
    public Model {
      params = List.copyOf(params);
      body = List.copyOf(body);
    }
  }

  /**
   * {@code block Name(params) { body; return expr }} — a reusable sub-graph, instantiated where it is
   * called. Parameters without defaults are passed positionally or by name; a parameter may be bound
   * to a tensor, a number, a boolean or a mask.
   */
  record Block(String name, List<Param> params, List<Stmt> body, Span span) implements Decl {
    public Block {
      params = List.copyOf(params);
      body = List.copyOf(body);
    }
  }
}
