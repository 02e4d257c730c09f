package dev.kiln.processor.sema;

import static dev.kiln.processor.sema.Signature.opt;
import static dev.kiln.processor.sema.Signature.req;

import dev.kiln.processor.sema.Signature.Kind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The built-in ops of the {@code .model} language and their signatures. */
final class Builtins {
  private Builtins() {}

  static final Map<String, Signature> OPS = new LinkedHashMap<>();

  private static void op(String name, String doc, Signature.Parameter... params) {
    OPS.put(name, new Signature(name, List.of(params), false, doc));
  }

  static {
    op(
        "embedding",
        "rows of a [vocab, dim] table picked by integer ids",
        req("ids", Kind.TENSOR),
        opt("vocab", Kind.INT),
        opt("dim", Kind.INT),
        opt("weight", Kind.WEIGHT),
        opt("init", Kind.INIT),
        opt("name", Kind.STRING));
    op("positions", "the positions 0..T-1 of a run-time dim", req("length", Kind.DIM));
    op(
        "add_positions",
        "x [.., T, d] plus a learned (or sinusoidal) position embedding of its T positions",
        req("x", Kind.TENSOR),
        opt("max", Kind.INT),
        opt("sinusoidal", Kind.BOOL),
        opt("init", Kind.INIT),
        opt("name", Kind.STRING));
    op(
        "sinusoidal",
        "the fixed sine/cosine position table [T, dim]",
        req("length", Kind.DIM),
        req("dim", Kind.INT));
    op(
        "linear",
        "x·W + b with W [in, out]",
        req("x", Kind.TENSOR),
        opt("out", Kind.INT),
        opt("bias", Kind.BOOL),
        opt("weight", Kind.WEIGHT),
        opt("init", Kind.INIT),
        opt("name", Kind.STRING));
    op(
        "layernorm",
        "layer normalisation over the last dim",
        req("x", Kind.TENSOR),
        opt("eps", Kind.FLOAT),
        opt("name", Kind.STRING));
    op("relu", "max(x, 0)", req("x", Kind.TENSOR));
    op("gelu", "GELU, exact erf form", req("x", Kind.TENSOR));
    op("gelu_tanh", "GELU, tanh approximation (GPT-2)", req("x", Kind.TENSOR));
    op("tanh", "hyperbolic tangent", req("x", Kind.TENSOR));
    op("softmax", "softmax over the last dim", req("x", Kind.TENSOR));
    op(
        "dropout",
        "seeded dropout, active in training",
        req("x", Kind.TENSOR),
        req("p", Kind.FLOAT));
    op("scale", "x times a constant", req("x", Kind.TENSOR), req("factor", Kind.FLOAT));
    op(
        "attention",
        "multi-head attention with its projections",
        req("x", Kind.TENSOR),
        req("heads", Kind.INT),
        opt("mask", Kind.MASK),
        opt("kv", Kind.TENSOR),
        opt("head_dim", Kind.INT),
        opt("bias", Kind.BOOL),
        opt("dropout", Kind.FLOAT),
        opt("out", Kind.INT),
        opt("init", Kind.INIT),
        opt("out_init", Kind.INIT),
        opt("name", Kind.STRING),
        opt("qkv_name", Kind.STRING),
        opt("q_name", Kind.STRING),
        opt("kv_name", Kind.STRING),
        opt("out_name", Kind.STRING));
    op("matmul", "a·b over the last two dims", req("a", Kind.TENSOR), req("b", Kind.WEIGHT));
    OPS.put(
        "concat",
        new Signature(
            "concat", List.of(opt("axis", Kind.INT)), true, "concatenation along an axis"));
    op(
        "select",
        "one index of an axis, dropping the axis",
        req("x", Kind.TENSOR),
        req("axis", Kind.INT),
        req("index", Kind.INT));
    op(
        "slice",
        "the range [start, end) of an axis",
        req("x", Kind.TENSOR),
        req("axis", Kind.INT),
        req("start", Kind.INT),
        req("end", Kind.INT));
    op(
        "cross_entropy",
        "mean cross-entropy of softmax(logits) against class ids",
        req("logits", Kind.TENSOR),
        req("targets", Kind.TENSOR),
        opt("ignore_index", Kind.INT),
        opt("label_smoothing", Kind.FLOAT));
    op("mean", "the mean of all elements", req("x", Kind.TENSOR));
    op(
        "param",
        "a free trainable weight of a given shape",
        req("shape", Kind.SHAPE),
        opt("init", Kind.INIT),
        opt("decay", Kind.BOOL),
        opt("name", Kind.STRING));
  }

  /** Mask constructors: {@code band(w)}, {@code strided(s)}, {@code fixed(l, c)}, {@code padding(lengths)}. */
  static final Set<String> MASK_FUNCTIONS = Set.of("band", "strided", "fixed", "padding");

  /** Mask constants usable as bare names. */
  static final Set<String> MASK_CONSTANTS = Set.of("causal", "full", "padding");

  /** Initialisers: {@code normal(std)}, {@code truncated_normal(std)}, {@code uniform(bound)}, {@code constant(c)}. */
  static final Set<String> INIT_FUNCTIONS =
      Set.of("normal", "truncated_normal", "uniform", "constant");

  /** Initialiser constants usable as bare names. */
  static final Set<String> INIT_CONSTANTS = Set.of("zeros", "ones");

  /** Functions over configuration numbers. */
  static final Set<String> CONFIG_FUNCTIONS =
      Set.of("sqrt", "min", "max", "abs", "exp", "log", "int", "float");

  /** Every callable name, for suggestions. */
  static Set<String> callables() {
    java.util.TreeSet<String> all = new java.util.TreeSet<>(OPS.keySet());
    all.addAll(MASK_FUNCTIONS);
    all.addAll(INIT_FUNCTIONS);
    all.addAll(CONFIG_FUNCTIONS);
    return all;
  }
}
