package dev.kiln.dsl.annotation;

/** The type of a float tensor in an annotated model: the return and parameter type of its methods. */
public interface Tensor {}
