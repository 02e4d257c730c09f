package dev.kiln.dsl.ast;

import java.util.List;

/** A statement of a model or block body. */
public sealed interface Stmt extends Node {

  /** Element type of an input. */
  enum ElemType {
    INT,
    FLOAT
  }

  /** {@code input tokens: int[B, T <= ctx]}. */
  record Input(String name, ElemType type, List<Dim> dims, Span span) implements Stmt {
    public Input {
      dims = List.copyOf(dims);
    }
  }

  /** {@code name = value}; rebinding a name (x = x + ...) is allowed and shadows the earlier value. */
  record Let(String name, Expr value, Span span) implements Stmt {}

  /** {@code output name = value}, or {@code output name} for an existing binding ({@code value} null). */
  record Output(String name, Expr value, Span span) implements Stmt {}

  /** {@code for var in from ..< to { body }} (exclusive) or {@code from ..= to} / {@code from .. to} (inclusive). */
  record For(String var, Expr from, Expr to, boolean inclusive, List<Stmt> body, Span span)
      implements Stmt {
    public For {
      body = List.copyOf(body);
    }
  }

  /** {@code if cond { then } else { otherwise }}; {@code otherwise} is empty when absent. */
  record If(Expr cond, List<Stmt> then, List<Stmt> otherwise, Span span) implements Stmt {
    public If {
      then = List.copyOf(then);
      otherwise = List.copyOf(otherwise);
    }
  }

  /** {@code return value} — the result of a block. */
  record Return(Expr value, Span span) implements Stmt {}
}
