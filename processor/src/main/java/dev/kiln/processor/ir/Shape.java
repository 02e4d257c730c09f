package dev.kiln.processor.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A tensor shape: static sizes and run-time symbols. Its element count is always a monomial — a
 * constant times a product of symbols — which is what makes the memory plan a closed-form function of
 * the run-time dims.
 */
public record Shape(List<Dim> dims) {
  public static final Shape SCALAR = new Shape(List.of());

  public Shape {
    dims = List.copyOf(dims);
  }

  public static Shape of(Dim... dims) {
    return new Shape(List.of(dims));
  }

  public int rank() {
    return dims.size();
  }

  public Dim dim(int i) {
    return dims.get(i < 0 ? dims.size() + i : i);
  }

  public Dim last() {
    return dims.getLast();
  }

  /** The static product of the fixed dims. */
  public long coefficient() {
    long c = 1;
    for (Dim d : dims) {
      if (d instanceof Dim.Fixed f) {
        c = Math.multiplyExact(c, f.size());
      }
    }
    return c;
  }

  /** The symbols of this shape with multiplicity, sorted: the monomial of its element count. */
  public Monomial monomial() {
    TreeMap<String, Integer> powers = new TreeMap<>();
    for (Dim d : dims) {
      if (d instanceof Dim.Sym s) {
        powers.merge(s.name(), 1, Integer::sum);
      }
    }
    return new Monomial(powers);
  }

  public boolean isStatic() {
    return dims.stream().allMatch(d -> d instanceof Dim.Fixed);
  }

  /** Shape without its last {@code n} dims. */
  public Shape dropLast(int n) {
    return new Shape(dims.subList(0, dims.size() - n));
  }

  public Shape append(Dim d) {
    List<Dim> out = new ArrayList<>(dims);
    out.add(d);
    return new Shape(out);
  }

  public Shape withLast(Dim d) {
    List<Dim> out = new ArrayList<>(dims);
    out.set(out.size() - 1, d);
    return new Shape(out);
  }

  /** Whether {@code suffix} equals the trailing dims of this shape (broadcasting rule of add/mul). */
  public boolean endsWith(Shape suffix) {
    int off = dims.size() - suffix.rank();
    return off >= 0 && dims.subList(off, dims.size()).equals(suffix.dims);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(dims.get(i));
    }
    return sb.append(']').toString();
  }

  /** A product of run-time symbols with powers, e.g. {@code B·T} or {@code B·T²}; empty for constants. */
  public record Monomial(TreeMap<String, Integer> powers) implements Comparable<Monomial> {
    public static final Monomial ONE = new Monomial(new TreeMap<>());

    @Override
    public String toString() {
      if (powers.isEmpty()) {
        return "1";
      }
      StringBuilder sb = new StringBuilder();
      powers.forEach((s, p) -> {
        if (!sb.isEmpty()) {
          sb.append('*');
        }
        sb.append(s);
        for (int i = 1; i < p; i++) {
          sb.append('*').append(s);
        }
      });
      return sb.toString();
    }

    @Override
    public int compareTo(Monomial o) {
      return toString().compareTo(o.toString());
    }
  }
}
