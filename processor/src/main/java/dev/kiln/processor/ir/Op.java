package dev.kiln.processor.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * The operations of the IR. Each op states, next to its definition, its shape rule ({@link #infer})
 * and its derivative rule: which inputs receive gradients ({@link #differentiable}) and which forward
 * values its backward kernel reads ({@link #savedInputs}, {@link #savedOutputs}). The backward graph
 * built by {@code Autodiff} consists of {@link Backward} nodes, one per forward node that needs one.
 */
public sealed interface Op {

  /** The op's name in IR dumps. */
  String name();

  /** Attributes for IR dumps ("" when none). */
  default String attrs() {
    return "";
  }

  /** Output shapes for these inputs; the first output is the op's result, others are saved statistics. */
  List<Shape> infer(List<Value> in) throws ShapeException;

  /** Output element types (all float unless overridden). */
  default List<DType> outTypes(int outputs) {
    List<DType> t = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      t.add(DType.FLOAT);
    }
    return t;
  }

  /** Whether the loss can depend on input {@code i} through this op (ids and lengths cannot). */
  default boolean differentiable(int i, List<Value> in) {
    return in.get(i).dtype() == DType.FLOAT;
  }

  /** Indices of the inputs the backward kernel reads. */
  default List<Integer> savedInputs(int inputs) {
    return List.of();
  }

  /** Indices of the outputs the backward kernel reads. */
  default List<Integer> savedOutputs() {
    return List.of();
  }

  /** Whether the op has a backward at all (constants and index generators do not). */
  default boolean hasBackward() {
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Sources

  /** {@code positions(T)}: the integer positions 0..T-1. */
  record Iota(Dim length) implements Op {
    @Override
    public String name() {
      return "positions";
    }

    @Override
    public String attrs() {
      return " " + length;
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(Shape.of(length));
    }

    @Override
    public List<DType> outTypes(int outputs) {
      return List.of(DType.INT);
    }

    @Override
    public boolean hasBackward() {
      return false;
    }
  }

  /** {@code sinusoidal(T, d)}: the fixed sine/cosine position table of the Transformer paper. */
  record Sinusoidal(Dim length, int width) implements Op {
    @Override
    public String name() {
      return "sinusoidal";
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(Shape.of(length, Dim.of(width)));
    }

    @Override
    public boolean hasBackward() {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups and linear maps

  /** {@code embedding(ids, table)}: rows of {@code table [V, D]} picked by integer ids. */
  record Embedding() implements Op {
    @Override
    public String name() {
      return "embedding";
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Value ids = in.get(0);
      Value table = in.get(1);
      if (ids.dtype() != DType.INT) {
        throw new ShapeException(
            "embedding needs integer ids, got " + ids.dtype().label + ids.shape(),
            "declare the ids as 'input name: int[...]'");
      }
      if (table.shape().rank() != 2) {
        throw new ShapeException(
            "embedding table must be 2-D [vocab, dim], got " + table.shape(), null);
      }
      return List.of(ids.shape().append(table.shape().dim(1)));
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return List.of(0);
    }
  }

  /**
   * {@code linear(x, W, b)}: {@code y = x·W + b}. Kiln stores linear weights as {@code [in, out]};
   * {@code transposed} means the weight is stored {@code [out, in]} and used transposed (a tied
   * embedding table).
   */
  record Linear(boolean transposed, boolean bias) implements Op {
    @Override
    public String name() {
      return "linear";
    }

    @Override
    public String attrs() {
      return (transposed ? " weight^T" : "") + (bias ? "" : " no-bias");
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape x = in.get(0).shape();
      Shape w = in.get(1).shape();
      if (x.rank() < 1) {
        throw new ShapeException("linear needs an input with at least one dim, got a scalar", null);
      }
      if (w.rank() != 2) {
        throw new ShapeException("linear weight must be 2-D, got " + w, null);
      }
      Dim inDim = transposed ? w.dim(1) : w.dim(0);
      Dim outDim = transposed ? w.dim(0) : w.dim(1);
      if (!inDim.equals(x.last())) {
        throw new ShapeException(
            "linear weight "
                + (transposed ? "^T " : "")
                + w
                + " expects inputs of width "
                + inDim
                + ", but the input is "
                + x,
            null);
      }
      if (bias && !in.get(2).shape().equals(Shape.of(outDim))) {
        throw new ShapeException(
            "linear bias must be [" + outDim + "], got " + in.get(2).shape(), null);
      }
      return List.of(x.withLast(outDim));
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return List.of(0, 1);
    }
  }

  /**
   * {@code matmul(a, b)}: {@code a [..., M, K] · b [K, N]} or batched {@code b [..., K, N]};
   * {@code transposeB} reads b as {@code [..., N, K]}.
   */
  record MatMul(boolean transposeB) implements Op {
    @Override
    public String name() {
      return "matmul";
    }

    @Override
    public String attrs() {
      return transposeB ? " b^T" : "";
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape a = in.get(0).shape();
      Shape b = in.get(1).shape();
      if (a.rank() < 2 || b.rank() < 2) {
        throw new ShapeException(
            "matmul needs operands with at least 2 dims, got " + a + " and " + b, null);
      }
      Dim k = a.last();
      Dim bk = transposeB ? b.last() : b.dim(-2);
      Dim n = transposeB ? b.dim(-2) : b.last();
      if (!k.equals(bk)) {
        throw new ShapeException(
            "cannot multiply " + a + " by " + (transposeB ? b + "^T" : b) + ": inner dims " + k
                + " and " + bk + " differ",
            "the last dim of the left operand must equal the "
                + (transposeB ? "last" : "second-to-last") + " dim of the right");
      }
      if (b.rank() > 2 && !b.dropLast(2).equals(a.dropLast(2))) {
        throw new ShapeException(
            "cannot multiply " + a + " by " + b + ": batch dims " + a.dropLast(2) + " and "
                + b.dropLast(2) + " differ",
            "use a 2-D right operand, or matching batch dims");
      }
      return List.of(a.withLast(n));
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return List.of(0, 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Element-wise

  /** Element-wise binary op with broadcasting of the right operand over leading dims. */
  enum Arith {
    ADD("add", "+"),
    SUB("sub", "-"),
    MUL("mul", "*");

    public final String op;
    public final String symbol;

    Arith(String op, String symbol) {
      this.op = op;
      this.symbol = symbol;
    }
  }

  /** {@code a + b}, {@code a - b}, {@code a * b}: b must equal a or a trailing part of a's shape. */
  record Binary(Arith kind) implements Op {
    @Override
    public String name() {
      return kind.op;
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape a = in.get(0).shape();
      Shape b = in.get(1).shape();
      if (!a.endsWith(b)) {
        String verb =
            switch (kind) {
              case ADD -> "add";
              case SUB -> "subtract";
              case MUL -> "multiply";
            };
        throw new ShapeException(
            "cannot " + verb + " f32" + a + " and f32" + b + ": shapes differ",
            "both sides must have the same shape, or the right side must match the trailing dims of the left");
      }
      return List.of(a);
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return kind == Arith.MUL ? List.of(0, 1) : List.of();
    }
  }

  /** {@code x * s} for a compile-time constant s. */
  record Scale(double factor) implements Op {
    @Override
    public String name() {
      return "scale";
    }

    @Override
    public String attrs() {
      return " " + factor;
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(in.get(0).shape());
    }
  }

  /** Point-wise non-linearities. */
  enum Fn {
    RELU("relu", true),
    GELU("gelu", true),
    GELU_TANH("gelu_tanh", true),
    TANH("tanh", false);

    public final String op;
    /** Whether the backward reads the input (true) or the output (false). */
    public final boolean readsInput;

    Fn(String op, boolean readsInput) {
      this.op = op;
      this.readsInput = readsInput;
    }
  }

  /** {@code relu(x)}, {@code gelu(x)} (erf form), {@code gelu_tanh(x)}, {@code tanh(x)}. */
  record Pointwise(Fn fn) implements Op {
    @Override
    public String name() {
      return fn.op;
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(in.get(0).shape());
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return fn.readsInput ? List.of(0) : List.of();
    }

    @Override
    public List<Integer> savedOutputs() {
      return fn.readsInput ? List.of() : List.of(0);
    }
  }

  /** {@code dropout(x, p)}: seeded; the same mask is regenerated in backward, never stored. */
  record Dropout(double p) implements Op {
    @Override
    public String name() {
      return "dropout";
    }

    @Override
    public String attrs() {
      return " p=" + p;
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(in.get(0).shape());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Normalisation and softmax

  /** {@code layernorm(x)} over the last dim with gain and bias; also outputs mean and 1/σ per row. */
  record LayerNorm(double eps) implements Op {
    @Override
    public String name() {
      return "layernorm";
    }

    @Override
    public String attrs() {
      return " eps=" + eps;
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape x = in.get(0).shape();
      if (x.rank() < 1) {
        throw new ShapeException("layernorm needs at least one dim, got a scalar", null);
      }
      Shape gain = Shape.of(x.last());
      if (!in.get(1).shape().equals(gain) || !in.get(2).shape().equals(gain)) {
        throw new ShapeException(
            "layernorm gain and bias must be " + gain + ", got " + in.get(1).shape() + " and "
                + in.get(2).shape(),
            null);
      }
      Shape rows = x.dropLast(1);
      return List.of(x, rows, rows);
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return List.of(0, 1);
    }

    @Override
    public List<Integer> savedOutputs() {
      return List.of(1, 2);
    }
  }

  /** {@code softmax(x)} over the last dim. */
  record Softmax() implements Op {
    @Override
    public String name() {
      return "softmax";
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      if (in.get(0).shape().rank() < 1) {
        throw new ShapeException("softmax needs at least one dim, got a scalar", null);
      }
      return List.of(in.get(0).shape());
    }

    @Override
    public List<Integer> savedOutputs() {
      return List.of(0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Attention

  /**
   * Fused multi-head scaled dot-product attention over projected inputs. Self-attention reads one
   * packed input {@code qkv [B, T, 3·H·dh]}; cross-attention reads {@code q [B, Tq, H·dh]} and packed
   * {@code kv [B, Tk, 2·H·dh]}. When the mask has key padding, the last input is the lengths vector.
   * Outputs: the context {@code [B, Tq, H·dh]} and the log-sum-exp per row {@code [B, H, Tq]}, which
   * the backward uses to recompute the probabilities instead of storing a T×T matrix.
   */
  record Attention(
      int heads, int headDim, double scale, MaskExpr mask, boolean cross, double dropout)
      implements Op {
    @Override
    public String name() {
      return cross ? "cross_attention" : "attention";
    }

    @Override
    public String attrs() {
      return " heads=" + heads + " head_dim=" + headDim + " mask=" + mask
          + (dropout > 0 ? " dropout=" + dropout : "");
    }

    public String lengthsInput() {
      return MaskExpr.paddingInput(mask);
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      int hd = heads * headDim;
      Shape q = in.get(0).shape();
      if (q.rank() != 3) {
        throw new ShapeException("attention needs inputs [batch, time, width], got " + q, null);
      }
      if (!cross) {
        if (!q.last().equals(Dim.of(3 * hd))) {
          throw new ShapeException(
              "packed qkv must have width 3·heads·head_dim = " + 3 * hd + ", got " + q, null);
        }
      } else {
        Shape kv = in.get(1).shape();
        if (kv.rank() != 3 || !kv.dim(0).equals(q.dim(0))) {
          throw new ShapeException(
              "cross-attention keys " + kv + " must share the batch dim of the queries " + q, null);
        }
        if (!q.last().equals(Dim.of(hd)) || !kv.last().equals(Dim.of(2 * hd))) {
          throw new ShapeException(
              "cross-attention projections have the wrong widths: " + q + ", " + kv, null);
        }
      }
      Shape out = Shape.of(q.dim(0), q.dim(1), Dim.of(hd));
      Shape lse = Shape.of(q.dim(0), Dim.of(heads), q.dim(1));
      return List.of(out, lse);
    }

    @Override
    public boolean differentiable(int i, List<Value> in) {
      return in.get(i).dtype() == DType.FLOAT;
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < inputs; i++) {
        all.add(i);
      }
      return all;
    }

    @Override
    public List<Integer> savedOutputs() {
      return List.of(0, 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reshaping

  /**
   * {@code slice(x, axis, start, end)} and {@code select(x, axis, index)} (which drops the axis). A
   * negative {@code start} counts from the end of the axis, which for a run-time dim is resolved when
   * the dims are bound ({@code select(h, 1, -1)} is the last position).
   */
  record Slice(int axis, int start, int length, boolean squeeze) implements Op {
    @Override
    public String name() {
      return squeeze ? "select" : "slice";
    }

    @Override
    public String attrs() {
      return " axis=" + axis
          + (squeeze ? " index=" + start : " start=" + start + " end=" + (start + length));
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape x = in.get(0).shape();
      if (axis < 0 || axis >= x.rank()) {
        throw new ShapeException("axis " + axis + " is out of range for " + x, null);
      }
      if (x.dim(axis) instanceof Dim.Fixed f && (start < 0 || start + length > f.size())) {
        throw new ShapeException(
            (squeeze ? "index " + start : "slice " + start + ".." + (start + length))
                + " is out of range for dim " + axis + " of " + x,
            null);
      }
      List<Dim> dims = new ArrayList<>(x.dims());
      if (squeeze) {
        dims.remove(axis);
      } else {
        dims.set(axis, Dim.of(length));
      }
      return List.of(new Shape(dims));
    }
  }

  /** {@code concat(a, b, ..., axis)}: all inputs equal except along {@code axis}, which must be static. */
  record Concat(int axis) implements Op {
    @Override
    public String name() {
      return "concat";
    }

    @Override
    public String attrs() {
      return " axis=" + axis;
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Shape first = in.get(0).shape();
      if (axis < 0 || axis >= first.rank()) {
        throw new ShapeException("axis " + axis + " is out of range for " + first, null);
      }
      int total = 0;
      for (Value v : in) {
        Shape s = v.shape();
        if (s.rank() != first.rank()) {
          throw new ShapeException("cannot concat " + first + " and " + s + ": ranks differ", null);
        }
        for (int d = 0; d < s.rank(); d++) {
          if (d != axis && !s.dim(d).equals(first.dim(d))) {
            throw new ShapeException(
                "cannot concat " + first + " and " + s + " along axis " + axis + ": dim " + d
                    + " differs (" + first.dim(d) + " vs " + s.dim(d) + ")",
                "all dims other than the concat axis must match");
          }
        }
        if (!(s.dim(axis) instanceof Dim.Fixed f)) {
          throw new ShapeException(
              "cannot concat along run-time dim " + s.dim(axis), "concat along a static dim");
        }
        total += f.size();
      }
      return List.of(replace(first, axis, total));
    }

    private static Shape replace(Shape s, int axis, int size) {
      List<Dim> dims = new ArrayList<>(s.dims());
      dims.set(axis, Dim.of(size));
      return new Shape(dims);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Losses and reductions

  /** Mean cross-entropy of softmax(logits) against integer targets, with ignore index and label smoothing. */
  record CrossEntropy(int ignoreIndex, double smoothing) implements Op {
    @Override
    public String name() {
      return "cross_entropy";
    }

    @Override
    public String attrs() {
      return " ignore_index=" + ignoreIndex
          + (smoothing > 0 ? " label_smoothing=" + smoothing : "");
    }

    @Override
    public List<Shape> infer(List<Value> in) throws ShapeException {
      Value logits = in.get(0);
      Value targets = in.get(1);
      if (targets.dtype() != DType.INT) {
        throw new ShapeException(
            "cross_entropy targets must be integer class ids, got f32" + targets.shape(), null);
      }
      if (logits.shape().rank() < 1 || !logits.shape().dropLast(1).equals(targets.shape())) {
        throw new ShapeException(
            "cross_entropy logits " + logits.shape() + " do not match targets " + targets.shape(),
            "logits must be the targets' shape plus one class dim");
      }
      return List.of(Shape.SCALAR, targets.shape());
    }

    @Override
    public List<Integer> savedInputs(int inputs) {
      return List.of(0, 1);
    }

    @Override
    public List<Integer> savedOutputs() {
      return List.of(1);
    }
  }

  /** {@code mean(x)}: the mean of all elements, a scalar. */
  record Mean() implements Op {
    @Override
    public String name() {
      return "mean";
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(Shape.SCALAR);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Backward

  /** Seeds the backward pass: d(loss)/d(loss) = 1. */
  record Seed() implements Op {
    @Override
    public String name() {
      return "seed";
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      return List.of(Shape.SCALAR);
    }

    @Override
    public boolean hasBackward() {
      return false;
    }
  }

  /**
   * The backward of one forward node: reads the gradient of its first output (input 0 of this node)
   * plus the saved forward values, and ACCUMULATES into the gradients of the forward node's inputs.
   * {@code gradOf[i]} is the forward input index whose gradient is this node's output {@code i}.
   */
  record Backward(Node forward, List<Integer> gradOf) implements Op {
    public Backward {
      gradOf = List.copyOf(gradOf);
    }

    @Override
    public String name() {
      return forward.op().name() + "_backward";
    }

    @Override
    public String attrs() {
      return " of %" + forward.outputs().getFirst().id();
    }

    @Override
    public List<Shape> infer(List<Value> in) {
      List<Shape> out = new ArrayList<>();
      for (int i : gradOf) {
        out.add(forward.inputs().get(i).shape());
      }
      return out;
    }

    @Override
    public boolean hasBackward() {
      return false;
    }

    /** The gradient output for forward input {@code i}, or -1 when that input gets none. */
    public int slotOf(int forwardInput) {
      return gradOf.indexOf(forwardInput);
    }
  }
}
