package dev.kiln.dsl.ast;

/** An argument of a call: positional ({@code name} null) or named ({@code heads = 12}). */
public record Arg(String name, Expr value, Span span) implements Node {}
