package annotated;

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

/** A small GPT declared with annotated methods; tiny_gpt.model declares the same model. */
@Model(config = "vocab = 96, ctx = 32, d = 64, heads = 4, layers = 2")
public interface TinyGpt {
  @Embedding(vocab = "vocab", dim = "d")
  Tensor tok(@Input("B, T <= ctx") Ids tokens);

  @PositionEmbedding(max = "ctx")
  Tensor x0(Tensor tok);

  @Repeat(times = "layers", block = GptBlock.class)
  Tensor h(Tensor x0);

  @LayerNorm
  Tensor hf(Tensor h);

  @Output
  @Linear(out = "vocab", bias = false, tiedTo = "tok")
  Tensor logits(Tensor hf);

  @Output
  @CrossEntropy
  Tensor loss(Tensor logits, @Input("B, T") Ids targets);

  /** A pre-LayerNorm transformer block: attention and a GELU MLP, each added to the residual stream. */
  @Block
  interface GptBlock {
    @LayerNorm
    Tensor ln1(Tensor x);

    @Attention(heads = "heads", mask = "layer % 2 == 0 ? causal : causal & band(8)")
    Tensor attn(Tensor ln1);

    @Add
    Tensor x1(Tensor x, Tensor attn);

    @LayerNorm
    Tensor ln2(Tensor x1);

    @Linear(out = "4 * d")
    Tensor fc(Tensor ln2);

    @GeluTanh
    Tensor act(Tensor fc);

    @Linear(out = "d")
    Tensor proj(Tensor act);

    @Output
    @Add
    Tensor out(Tensor x1, Tensor proj);
  }
}
