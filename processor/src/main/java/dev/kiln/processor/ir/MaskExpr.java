package dev.kiln.processor.ir;

/** The attention-mask algebra as it appears in the IR, evaluated to constants. */
public sealed interface MaskExpr {
  record Full() implements MaskExpr {
    @Override
    public String toString() {
      return "full";
    }
  }

  record Causal() implements MaskExpr {
    @Override
    public String toString() {
      return "causal";
    }
  }

  /** Key padding from the per-sequence lengths input named {@code lengths}. */
  record Padding(String lengths) implements MaskExpr {
    @Override
    public String toString() {
      return "padding(" + lengths + ")";
    }
  }

  record Band(int width) implements MaskExpr {
    @Override
    public String toString() {
      return "band(" + width + ")";
    }
  }

  record Strided(int stride) implements MaskExpr {
    @Override
    public String toString() {
      return "strided(" + stride + ")";
    }
  }

  record Fixed(int l, int c) implements MaskExpr {
    @Override
    public String toString() {
      return "fixed(" + l + ", " + c + ")";
    }
  }

  record And(MaskExpr a, MaskExpr b) implements MaskExpr {
    @Override
    public String toString() {
      return "(" + a + " & " + b + ")";
    }
  }

  record Or(MaskExpr a, MaskExpr b) implements MaskExpr {
    @Override
    public String toString() {
      return "(" + a + " | " + b + ")";
    }
  }

  record Not(MaskExpr a) implements MaskExpr {
    @Override
    public String toString() {
      return "!" + a;
    }
  }

  /**
   * Splits off key padding: the runtime applies padding from a lengths array, and the rest of the mask
   * as a position predicate. Padding may only be combined with {@code &} (a key beyond a sequence's
   * length is never visible), which the elaborator checks.
   */
  static String paddingInput(MaskExpr m) {
    return switch (m) {
      case Padding p -> p.lengths();
      case And a -> paddingInput(a.a()) != null ? paddingInput(a.a()) : paddingInput(a.b());
      default -> null;
    };
  }

  /** The mask with every {@code padding} term replaced by {@code full}. */
  static MaskExpr withoutPadding(MaskExpr m) {
    return switch (m) {
      case Padding p -> new Full();
      case And a -> simplifyAnd(withoutPadding(a.a()), withoutPadding(a.b()));
      case Or o -> new Or(withoutPadding(o.a()), withoutPadding(o.b()));
      case Not n -> new Not(withoutPadding(n.a()));
      default -> m;
    };
  }

  private static MaskExpr simplifyAnd(MaskExpr a, MaskExpr b) {
    if (a instanceof Full) {
      return b;
    }
    if (b instanceof Full) {
      return a;
    }
    return new And(a, b);
  }

  /** Whether the mask mentions padding anywhere other than under a chain of {@code &}. */
  static boolean paddingMisused(MaskExpr m) {
    return switch (m) {
      case And a -> paddingMisused(a.a()) || paddingMisused(a.b());
      case Or o -> mentionsPadding(o);
      case Not n -> mentionsPadding(n);
      default -> false;
    };
  }

  private static boolean mentionsPadding(MaskExpr m) {
    return switch (m) {
      case Padding p -> true;
      case And a -> mentionsPadding(a.a()) || mentionsPadding(a.b());
      case Or o -> mentionsPadding(o.a()) || mentionsPadding(o.b());
      case Not n -> mentionsPadding(n.a());
      default -> false;
    };
  }
}
