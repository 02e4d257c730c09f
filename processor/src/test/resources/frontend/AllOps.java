package annotated;

import dev.kiln.dsl.annotation.*;

/** Every op annotation, with and without its optional attributes; all_ops.model declares the same model. */
@Model(config = "vocab = 17, ctx = 8, d = 32, heads = 4")
public interface AllOps {
  @Input("B, S <= ctx")
  Ids src();

  @Embedding(vocab = "vocab", dim = "d", init = "normal(0.1)")
  Tensor emb(Ids src);

  @PositionEmbedding(max = "ctx", sinusoidal = true)
  Tensor mem(Tensor emb);

  @Embedding(vocab = "vocab", dim = "d")
  Tensor tok(@Input("B, T <= ctx") Ids tokens);

  @PositionEmbedding(max = "ctx")
  Tensor x0(Tensor tok);

  @LayerNorm(eps = "1e-6")
  Tensor ln(Tensor x0);

  @Attention(heads = "heads", mask = "causal", headDim = "4", dropout = "0.1", bias = false)
  Tensor self(Tensor ln);

  @Attention(heads = "2", kv = "mem")
  Tensor cross(Tensor self);

  @Attention(heads = "2")
  Tensor cross2(Tensor cross, Tensor mem);

  @Linear(out = "2 * d", init = "uniform(0.1)")
  Tensor up(Tensor cross2);

  @Relu
  Tensor r(Tensor up);

  @Gelu
  Tensor g(Tensor r);

  @Tanh
  Tensor t(Tensor g);

  @Softmax
  Tensor sm(Tensor t);

  @Dropout(p = "0.2")
  Tensor dr(Tensor sm);

  @Scale(factor = "1 / sqrt(d)")
  Tensor sc(Tensor dr);

  @Slice(axis = "-1", start = "0", end = "d")
  Tensor lo(Tensor sc);

  @Slice(axis = "2", start = "d", end = "2 * d")
  Tensor hi(Tensor sc);

  @Sub
  Tensor diff(Tensor lo, Tensor hi);

  @Mul
  Tensor prod(Tensor diff, Tensor x0);

  @Add
  Tensor sum(Tensor prod, Tensor x0);

  @Linear(out = "2 * d", tiedTo = "up")
  Tensor up2(Tensor sum);

  @Output
  @Concat
  Tensor cat(Tensor up2, Tensor sum, Tensor x0);

  @Output
  @Concat(axis = "2")
  Tensor cat2(Tensor sum, Tensor x0);

  @Select(axis = "1", index = "0")
  Tensor first(Tensor sum);

  @MatMul(transposeB = true)
  Tensor scores(Tensor sum, Tensor first);

  @Output
  @MatMul
  Tensor mixed(Tensor scores, Tensor first);

  @Output
  @Mean
  Tensor avg(Tensor mixed);

  @Output
  @Linear(out = "vocab", bias = false, tiedTo = "tok")
  Tensor logits(Tensor sum);

  @Output
  @CrossEntropy(ignoreIndex = "0", labelSmoothing = "0.1")
  Tensor loss(Tensor logits, @Input("B, T") Ids targets);
}
