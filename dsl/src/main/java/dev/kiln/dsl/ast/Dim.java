package dev.kiln.dsl.ast;

/**
 * One dimension of an input declaration: either a run-time size named by an identifier that is not
 * a configuration parameter ({@code B}, {@code T}, optionally bounded: {@code T <= ctx}), or a static
 * size given by an expression over configuration parameters ({@code d}, {@code 4 * d}).
 */
public sealed interface Dim extends Node {
  /** A run-time dim; {@code max} is null when unbounded. */
  record Named(String name, Expr max, Span span) implements Dim {}

  /** A static dim; an identifier that names a config parameter parses as {@code Named} and is resolved later. */
  record Sized(Expr size, Span span) implements Dim {}
}
