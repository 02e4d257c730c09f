package dev.kiln.examples.gptannotated;

import dev.kiln.dsl.annotation.Add;
import dev.kiln.dsl.annotation.Attention;
import dev.kiln.dsl.annotation.Block;
import dev.kiln.dsl.annotation.CrossEntropy;
import dev.kiln.dsl.annotation.Embedding;
import dev.kiln.dsl.annotation.GeluTanh;
import dev.kiln.dsl.annotation.Ids;
import dev.kiln.dsl.annotation.Input;
import dev.kiln.dsl.annotation.LayerNorm;
import dev.kiln.dsl.annotation.Linear;
import dev.kiln.dsl.annotation.Model;
import dev.kiln.dsl.annotation.Output;
import dev.kiln.dsl.annotation.PositionEmbedding;
import dev.kiln.dsl.annotation.Repeat;
import dev.kiln.dsl.annotation.Tensor;

/**
 * A character-level GPT (GPT-2's pre-LayerNorm block, tied output layer) declared as an annotated
 * interface. Each method is a node of the graph, named by the method and wired to earlier nodes by
 * its parameter names; its annotation is the op. Kiln's annotation processor reads this at javac
 * time and generates {@code CharGptModel} (float32) and {@code CharGptModelF64} in this package.
 *
 * <p>The configuration is fixed at compile time, so every dimension is a constant in the generated
 * code; only the batch size B and the sequence length T (at most {@code ctx}) vary at run time.
 * {@code vocab} leaves room for the 75 distinct characters of the bundled Austen novels.
 */
@Model(config = "vocab = 80, ctx = 128, d = 128, heads = 4, layers = 4")
public interface CharGpt {
  @Embedding(vocab = "vocab", dim = "d")
  Tensor wte(@Input("B, T <= ctx") Ids tokens);

  @PositionEmbedding(max = "ctx")
  Tensor x0(Tensor wte);

  @Repeat(times = "layers", block = GptBlock.class)
  Tensor h(Tensor x0);

  @LayerNorm
  Tensor lnf(Tensor h);

  /** The output layer reuses the token embedding, transposed (weight tying). */
  @Output
  @Linear(out = "vocab", bias = false, tiedTo = "wte")
  Tensor logits(Tensor lnf);

  @Output
  @CrossEntropy
  Tensor loss(Tensor logits, @Input("B, T") Ids targets);

  /** One layer: causal self-attention and a GELU MLP, each added to the residual stream. */
  @Block
  interface GptBlock {
    @LayerNorm
    Tensor ln1(Tensor x);

    @Attention(heads = "heads", mask = "causal")
    Tensor attn(Tensor ln1);

    @Add
    Tensor x1(Tensor x, Tensor attn);

    @LayerNorm
    Tensor ln2(Tensor x1);

    @Linear(out = "4 * d")
    Tensor fc(Tensor ln2);

    @GeluTanh
    Tensor act(Tensor fc);

    /** GPT-2 scales the initialisation of residual projections by 1/sqrt(2 * layers). */
    @Linear(out = "d", init = "normal(0.02 / sqrt(2 * layers))")
    Tensor proj(Tensor act);

    @Output
    @Add
    Tensor out(Tensor x1, Tensor proj);
  }
}
