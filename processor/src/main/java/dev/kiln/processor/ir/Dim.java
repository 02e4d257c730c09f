package dev.kiln.processor.ir;

/** One dimension of a tensor shape: a static size, or a size named at run time ({@code B}, {@code T}). */
public sealed interface Dim {

  /** A size known at compile time. */
  record Fixed(int size) implements Dim {
    @Override
    public String toString() {
      return Integer.toString(size);
    }
  }

  /** A size bound at run time from the inputs' shapes. */
  record Sym(String name) implements Dim {
    @Override
    public String toString() {
      return name;
    }
  }

  static Dim of(int size) {
    return new Fixed(size);
  }

  static Dim sym(String name) {
    return new Sym(name);
  }
}
