package dev.kiln.bench;

import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * GPT-2 written as PyTorch eager code (libtorch through the JavaCPP presets), float32, the way
 * HuggingFace's {@code GPT2LMHeadModel} computes it: pre-LN blocks, Conv1D-style linears
 * ({@code addmm(bias, x, W)} with W stored [in, out]), fused scaled-dot-product attention with a
 * causal mask, GELU (tanh), final LayerNorm, logits against the tied {@code wte}, mean
 * cross-entropy. Its parameters are copies of a Kiln model's, under the same names.
 *
 * <p>Native tensors made by a call are attached to the caller's {@code PointerScope}; the
 * parameters, optimiser and cache are made outside any scope and live until {@link #close}.
 */
final class TorchGpt2 implements AutoCloseable {
  private final Map<String, Tensor> params = new LinkedHashMap<>();
  private final int layers;
  private final int heads;
  private final int d;
  private final double eps;
  private final int ctx;
  private Tensor[] keyCache;
  private Tensor[] valueCache;

  /** Loads libtorch and sizes its intra-op pool; one inter-op thread, as Kiln runs one op at a time. */
  static void setThreads(int threads) {
    Loader.load(torch.class);
    torch.set_num_threads(threads);
    // libtorch multiplies matrices with OpenBLAS, whose pool is sized apart from torch's.
    openblas_full.openblas_set_num_threads(threads);
  }

  /** A copy of every parameter of {@code kiln} (a GPT-2 from the stdlib's gpt2.model). */
  TorchGpt2(FloatModel kiln, boolean trainable) {
    ModelSpec spec = kiln.spec();
    layers = config(spec, "layers").intValue();
    heads = config(spec, "heads").intValue();
    d = config(spec, "d").intValue();
    eps = config(spec, "eps").doubleValue();
    ctx = config(spec, "ctx").intValue();
    float[] buffer = kiln.parameterBuffer();
    for (ModelSpec.ParamSpec p : spec.params()) {
      long[] shape = new long[p.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = p.shape()[i];
      }
      Tensor t = torch.zeros(shape, new TensorOptions(torch.ScalarType.Float));
      t.data_ptr_float().put(buffer, Math.toIntExact(p.offset()), Math.toIntExact(p.size()));
      t.set_requires_grad(trainable);
      params.put(p.name(), t);
    }
  }

  /**
   * AdamW over the parameters with Kiln's defaults (betas 0.9, 0.999, eps 1e-8, weight decay 0.01)
   * and Kiln's choice of what decays: the parameters the model declares with decay, the others
   * (biases, LayerNorm gains) in a group without.
   */
  AdamW adamW(FloatModel kiln, double lr) {
    TensorVector decay = new TensorVector();
    TensorVector noDecay = new TensorVector();
    for (ModelSpec.ParamSpec p : kiln.spec().params()) {
      (p.decay() ? decay : noDecay).push_back(params.get(p.name()));
    }
    AdamWOptions withDecay = new AdamWOptions(lr);
    withDecay.weight_decay().put(0.01);
    AdamW opt = new AdamW(decay, withDecay);
    AdamWOptions without = new AdamWOptions(lr);
    without.weight_decay().put(0.0);
    opt.add_param_group(new OptimizerParamGroup(noDecay, without));
    return opt;
  }

  /** A numeric configuration value of a model, e.g. {@code heads}. */
  static Number config(ModelSpec spec, String key) {
    if (!(spec.config().get(key) instanceof Number n)) {
      throw new IllegalArgumentException("model " + spec.name() + " has no numeric '" + key + "'");
    }
    return n;
  }

  /** Mean next-token cross-entropy of {@code tokens} [B, T] against {@code targets} [B, T] (int64). */
  Tensor loss(Tensor tokens, Tensor targets) {
    long b = tokens.size(0);
    long t = tokens.size(1);
    Tensor x = blocks(tokens, 0, true);
    Tensor logits = finalNorm(x).view(b * t, d).mm(p("wte.weight").t()); // (B·T, V)
    return torch.cross_entropy_loss(logits, targets.view(b * t));
  }

  /** Allocates the KV cache for batch 1 (one [1, H, ctx, dh] tensor per layer for keys and values). */
  void startCache() {
    keyCache = new Tensor[layers];
    valueCache = new Tensor[layers];
    for (int l = 0; l < layers; l++) {
      long[] shape = {1, heads, ctx, d / heads};
      keyCache[l] = torch.zeros(shape, new TensorOptions(torch.ScalarType.Float));
      valueCache[l] = torch.zeros(shape, new TensorOptions(torch.ScalarType.Float));
    }
  }

  /**
   * Runs {@code tokens} [1, n] at positions {@code pos .. pos+n-1} against the cache, appending their
   * keys and values, and returns the logits of the last one, [1, V]: the prompt at position 0, then
   * one token at a time. Call under a NoGradGuard.
   */
  Tensor decode(Tensor tokens, int pos) {
    long n = tokens.size(1);
    if (n > 1 && pos != 0) {
      // SDPA's causal mask is aligned top-left: right only when queries and keys start together.
      throw new IllegalArgumentException("several tokens at once only at position 0");
    }
    Tensor x = blocks(tokens, pos, false);
    Tensor last = finalNorm(x.narrow(1, n - 1, 1)).view(1, d);
    return last.mm(p("wte.weight").t());
  }

  /** Embeddings and every block: [B, T] ids to the residual stream [B, T, d]. */
  private Tensor blocks(Tensor tokens, int pos, boolean training) {
    long b = tokens.size(0);
    long t = tokens.size(1);
    long dh = d / heads;
    Tensor x = torch.embedding(p("wte.weight"), tokens).add(p("wpe.weight").narrow(0, pos, t));
    for (int l = 0; l < layers; l++) {
      String n = "h." + l + ".";
      Tensor h = norm(n + "ln_1", x).view(b * t, d);
      // (B·T, 3d) -> (B, T, 3, H, dh) -> (3, B, H, T, dh)
      Tensor qkv = linear(n + "attn.c_attn", h).view(b, t, 3, heads, dh).permute(2, 0, 3, 1, 4);
      Tensor q = qkv.select(0, 0);
      Tensor k = qkv.select(0, 1);
      Tensor v = qkv.select(0, 2);
      Tensor y;
      if (training) {
        y = attention(q, k, v, true);
      } else {
        keyCache[l].narrow(2, pos, t).copy_(k);
        valueCache[l].narrow(2, pos, t).copy_(v);
        // The prompt attends causally among itself; a single new token attends to all before it.
        y = attention(
            q, keyCache[l].narrow(2, 0, pos + t), valueCache[l].narrow(2, 0, pos + t), t > 1);
      }
      y = y.transpose(1, 2).reshape(b * t, d); // (B, H, T, dh) -> (B·T, d)
      x = x.add(linear(n + "attn.c_proj", y).view(b, t, d));
      Tensor m = torch.gelu(linear(n + "mlp.c_fc", norm(n + "ln_2", x).view(b * t, d)), "tanh");
      x = x.add(linear(n + "mlp.c_proj", m).view(b, t, d));
    }
    return x;
  }

  private static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal) {
    return torch.scaled_dot_product_attention(
        q, k, v, new TensorOptional(), 0.0, causal, new DoubleOptional(), false);
  }

  private Tensor finalNorm(Tensor x) {
    return norm("ln_f", x);
  }

  private Tensor norm(String name, Tensor x) {
    return torch.layer_norm(
        x,
        new long[] {d},
        new TensorOptional(p(name + ".weight")),
        new TensorOptional(p(name + ".bias")),
        eps,
        false);
  }

  /** HF's Conv1D: {@code bias + x · W} with W [in, out], as one addmm. */
  private Tensor linear(String name, Tensor x) {
    return torch.addmm(p(name + ".bias"), x, p(name + ".weight"));
  }

  private Tensor p(String name) {
    Tensor t = params.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no parameter " + name);
    }
    return t;
  }

  /** int64 token tensor [rows, cols] from Kiln's int ids. */
  static Tensor ids(int[] ids, int rows, int cols) {
    long[] data = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      data[i] = ids[i];
    }
    Tensor out = torch.zeros(new long[] {rows, cols}, new TensorOptions(torch.ScalarType.Long));
    out.data_ptr_long().put(data);
    return out;
  }

  @Override
  public void close() {
    for (Tensor t : params.values()) {
      t.close();
    }
    for (Tensor[] cache : List.of(
        keyCache == null ? new Tensor[0] : keyCache,
        valueCache == null ? new Tensor[0] : valueCache)) {
      for (Tensor t : cache) {
        t.close();
      }
    }
  }
}
