package dev.kiln.examples.gptmodelfile;

import dev.kiln.dsl.annotation.Model;

/**
 * Binds model {@code BandedGpt} of {@code banded_gpt.model} (in {@code src/main/resources} under
 * this package) at a size that trains in minutes on a laptop: {@code config} overrides the file's
 * defaults. At javac time Kiln's annotation processor parses and checks the file, derives the
 * backward pass, plans memory and generates {@code BandedGptModel} in this package. A mistake in
 * the file is a compile error pointing at its line and column.
 */
@Model(
    source = "banded_gpt.model",
    name = "BandedGpt",
    config = "vocab = 80, ctx = 128, d = 128, heads = 4, layers = 4, band = 16, p = 0")
public interface BandedGpt {}
