package dev.kiln.processor.frontend.annotations;

import dev.kiln.dsl.annotation.Add;
import dev.kiln.dsl.annotation.Attention;
import dev.kiln.dsl.annotation.Concat;
import dev.kiln.dsl.annotation.CrossEntropy;
import dev.kiln.dsl.annotation.Dropout;
import dev.kiln.dsl.annotation.Embedding;
import dev.kiln.dsl.annotation.Gelu;
import dev.kiln.dsl.annotation.GeluTanh;
import dev.kiln.dsl.annotation.LayerNorm;
import dev.kiln.dsl.annotation.Linear;
import dev.kiln.dsl.annotation.MatMul;
import dev.kiln.dsl.annotation.Mean;
import dev.kiln.dsl.annotation.Mul;
import dev.kiln.dsl.annotation.PositionEmbedding;
import dev.kiln.dsl.annotation.Relu;
import dev.kiln.dsl.annotation.Repeat;
import dev.kiln.dsl.annotation.Scale;
import dev.kiln.dsl.annotation.Select;
import dev.kiln.dsl.annotation.Slice;
import dev.kiln.dsl.annotation.Softmax;
import dev.kiln.dsl.annotation.Sub;
import dev.kiln.dsl.annotation.Tanh;
import java.lang.annotation.Annotation;

/** The op annotations a model method may carry, with how many tensor parameters each takes. */
enum OpKind {
  EMBEDDING(Embedding.class, 1, 1),
  POSITION_EMBEDDING(PositionEmbedding.class, 1, 1),
  LINEAR(Linear.class, 1, 1),
  LAYER_NORM(LayerNorm.class, 1, 1),
  RELU(Relu.class, 1, 1),
  GELU(Gelu.class, 1, 1),
  GELU_TANH(GeluTanh.class, 1, 1),
  TANH(Tanh.class, 1, 1),
  SOFTMAX(Softmax.class, 1, 1),
  DROPOUT(Dropout.class, 1, 1),
  SCALE(Scale.class, 1, 1),
  // A second parameter is the key/value source of cross-attention.
  ATTENTION(Attention.class, 1, 2),
  ADD(Add.class, 2, 2),
  SUB(Sub.class, 2, 2),
  MUL(Mul.class, 2, 2),
  MATMUL(MatMul.class, 2, 2),
  CONCAT(Concat.class, 2, Integer.MAX_VALUE),
  SELECT(Select.class, 1, 1),
  SLICE(Slice.class, 1, 1),
  CROSS_ENTROPY(CrossEntropy.class, 2, 2),
  MEAN(Mean.class, 1, 1),
  // The count must match the block's inputs; checked when the block is known.
  REPEAT(Repeat.class, 1, Integer.MAX_VALUE);

  final String qualifiedName;
  final String simpleName;
  final int minParams;
  final int maxParams;

  OpKind(Class<? extends Annotation> type, int minParams, int maxParams) {
    this.qualifiedName = type.getCanonicalName();
    this.simpleName = type.getSimpleName();
    this.minParams = minParams;
    this.maxParams = maxParams;
  }

  /** The op annotation with this qualified name, or null. */
  static OpKind of(String qualifiedName) {
    for (OpKind k : values()) {
      if (k.qualifiedName.equals(qualifiedName)) {
        return k;
      }
    }
    return null;
  }

  /** "1 tensor parameter", "2 tensor parameters", "at least 2 tensor parameters", "1 or 2 ...". */
  String arity() {
    String n;
    if (maxParams == Integer.MAX_VALUE) {
      n = "at least " + minParams;
    } else if (minParams == maxParams) {
      n = Integer.toString(minParams);
    } else {
      n = minParams + " or " + maxParams;
    }
    return n + (maxParams == 1 ? " tensor parameter" : " tensor parameters");
  }
}
