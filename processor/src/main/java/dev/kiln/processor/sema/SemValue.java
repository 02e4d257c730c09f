package dev.kiln.processor.sema;

import dev.kiln.processor.ir.Init;
import dev.kiln.processor.ir.MaskExpr;
import dev.kiln.processor.ir.Value;
import java.util.List;
import java.util.Map;

/** What an expression evaluates to during elaboration. */
sealed interface SemValue {

  /** A description for messages: "an integer", "a tensor f32[B,T,64]". */
  String describe();

  record Int(long value) implements SemValue {
    @Override
    public String describe() {
      return "the integer " + value;
    }
  }

  @SuppressWarnings(
      "JavaLangClash") // always qualified as SemValue.Float: the language's float type
  record Float(double value) implements SemValue {
    @Override
    public String describe() {
      return "the number " + value;
    }
  }

  record Bool(boolean value) implements SemValue {
    @Override
    public String describe() {
      return value ? "true" : "false";
    }
  }

  record Str(String value) implements SemValue {
    @Override
    public String describe() {
      return "the string \"" + value + "\"";
    }
  }

  /**
   * A tensor value of the graph. {@code weights} are the parameters of the op that produced it,
   * reachable as {@code name.weight} / {@code name.bias} (for tying).
   */
  record Tensor(Value value, Map<String, Value> weights) implements SemValue {
    @Override
    public String describe() {
      return "a tensor " + value.dtype().label + value.shape();
    }
  }

  /** A tensor referenced for use as a weight, possibly transposed ({@code tok.weight^T}). */
  record Operand(Value value, boolean transposed, String text) implements SemValue {
    @Override
    public String describe() {
      return "the weight " + text;
    }
  }

  /** A run-time dimension such as {@code T}. */
  record RuntimeDim(String name) implements SemValue {
    @Override
    public String describe() {
      return "the run-time dim " + name;
    }
  }

  record Mask(MaskExpr mask) implements SemValue {
    @Override
    public String describe() {
      return "the mask " + mask;
    }
  }

  record InitV(Init init) implements SemValue {
    @Override
    public String describe() {
      return "the initialiser " + init;
    }
  }

  record ListV(List<SemValue> items) implements SemValue {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** The result of an expression that already failed; absorbs further errors so each is reported once. */
  record Poison() implements SemValue {
    @Override
    public String describe() {
      return "an invalid value";
    }
  }

  static boolean isNumber(SemValue v) {
    return v instanceof Int || v instanceof Float;
  }

  static double number(SemValue v) {
    return v instanceof Int i ? i.value() : ((Float) v).value();
  }
}
