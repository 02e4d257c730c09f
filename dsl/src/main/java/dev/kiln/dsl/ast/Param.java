package dev.kiln.dsl.ast;

/**
 * A configuration parameter of a model ({@code d = 384}) or a parameter of a block ({@code x},
 * {@code heads = 12}). {@code defaultValue} is null when there is none.
 */
public record Param(String name, Expr defaultValue, Span span) implements Node {}
