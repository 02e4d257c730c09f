package dev.kiln.dsl.ast;

import java.util.List;

/**
 * Expressions. The same syntax serves configuration arithmetic ({@code 4 * d}), tensor graphs
 * ({@code x + attention(layernorm(x), heads)}) and mask algebra ({@code causal & band(w)}); the
 * processor's semantic analysis gives each its type.
 */
public sealed interface Expr extends Node {

  record IntLit(long value, Span span) implements Expr {}

  record FloatLit(double value, Span span) implements Expr {}

  record BoolLit(boolean value, Span span) implements Expr {}

  /** A string literal, quotes removed and escapes resolved; {@code {name}} parts are interpolated by sema. */
  record StringLit(String value, Span span) implements Expr {}

  /** A reference to a binding, a parameter, a loop variable, a run-time dim or a built-in constant ({@code causal}). */
  record Name(String name, Span span) implements Expr {}

  /** {@code target.member}, e.g. {@code tok.weight}. */
  record Member(Expr target, String member, Span span) implements Expr {}

  /** {@code target^T}: use a weight transposed. */
  record Transpose(Expr target, Span span) implements Expr {}

  /** {@code callee(args)}: an op, a block, a mask constructor or a config function ({@code sqrt}). */
  record Call(String callee, List<Arg> args, Span calleeSpan, Span span) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }

  /** Binary operators, by precedence from loosest: OR AND | BIT_OR BIT_AND | comparisons | + - | * / % | POW. */
  enum BinaryOp {
    OR("||"),
    AND("&&"),
    BIT_OR("|"),
    BIT_AND("&"),
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">="),
    ADD("+"),
    SUB("-"),
    MUL("*"),
    DIV("/"),
    MOD("%"),
    POW("**");

    public final String symbol;

    BinaryOp(String symbol) {
      this.symbol = symbol;
    }
  }

  record Binary(BinaryOp op, Expr left, Expr right, Span opSpan, Span span) implements Expr {}

  enum UnaryOp {
    NEG("-"),
    NOT("!");

    public final String symbol;

    UnaryOp(String symbol) {
      this.symbol = symbol;
    }
  }

  record Unary(UnaryOp op, Expr operand, Span span) implements Expr {}

  /** {@code cond ? a : b}. */
  record Conditional(Expr cond, Expr then, Expr otherwise, Span span) implements Expr {}

  /** {@code [a, b, c]}: a list, used for shapes ({@code param([d, d])}). */
  record ListLit(List<Expr> items, Span span) implements Expr {
    public ListLit {
      items = List.copyOf(items);
    }
  }
}
