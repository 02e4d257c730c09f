package dev.kiln.examples.translation;

import dev.kiln.dsl.annotation.Model;

/**
 * The standard library's encoder-decoder Transformer ({@code Transformer} of {@code
 * transformer.model}: post-LayerNorm, ReLU, sinusoidal positions, one shared embedding, label
 * smoothing 0.1) at a small size for character-level translation: 2+2 layers of width 128 instead
 * of the paper's 6+6 of 512, a vocabulary of 96 ids (three special ids, then characters), sequences
 * of at most 96, and no dropout (a run of minutes does not overfit). Kiln generates {@code
 * SmallTransformerModel} from it at javac time.
 */
@Model(
    source = "transformer.model",
    name = "Transformer",
    config = "vocab = 96, ctx = 96, d = 128, heads = 4, ff = 512, layers = 2, p = 0")
public interface SmallTransformer {}
