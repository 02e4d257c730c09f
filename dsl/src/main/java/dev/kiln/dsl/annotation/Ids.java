package dev.kiln.dsl.annotation;

/** The type of an integer tensor (token ids, class ids) in an annotated model. */
public interface Ids {}
