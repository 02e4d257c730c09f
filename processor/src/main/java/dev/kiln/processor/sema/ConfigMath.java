package dev.kiln.processor.sema;

import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.diag.Diagnostics;
import dev.kiln.processor.diag.Message;
import dev.kiln.processor.ir.Init;
import java.util.List;

/**
 * Arithmetic over configuration values. Integers stay integers under {@code + - * %} and under
 * {@code /} when the division is exact ({@code d / heads}); otherwise the result is a float, so a
 * non-integral head width is reported where a size is needed rather than silently truncated.
 */
final class ConfigMath {
  private ConfigMath() {}

  static SemValue binary(
      Expr.BinaryOp op, SemValue l, SemValue r, Expr.Binary where, Diagnostics diags) {
    boolean ints = l instanceof SemValue.Int && r instanceof SemValue.Int;
    double a = SemValue.number(l);
    double b = SemValue.number(r);
    switch (op) {
      case EQ -> {
        return new SemValue.Bool(a == b);
      }
      case NE -> {
        return new SemValue.Bool(a != b);
      }
      case LT -> {
        return new SemValue.Bool(a < b);
      }
      case LE -> {
        return new SemValue.Bool(a <= b);
      }
      case GT -> {
        return new SemValue.Bool(a > b);
      }
      case GE -> {
        return new SemValue.Bool(a >= b);
      }
      default -> {}
    }
    if ((op == Expr.BinaryOp.DIV || op == Expr.BinaryOp.MOD) && b == 0) {
      Message.DIVISION_BY_ZERO.report(
          diags, where.span(), "configuration expression '" + Elaborator.render(where) + "'");
      return new SemValue.Poison();
    }
    if (ints) {
      long x = ((SemValue.Int) l).value();
      long y = ((SemValue.Int) r).value();
      try {
        switch (op) {
          case ADD -> {
            return new SemValue.Int(Math.addExact(x, y));
          }
          case SUB -> {
            return new SemValue.Int(Math.subtractExact(x, y));
          }
          case MUL -> {
            return new SemValue.Int(Math.multiplyExact(x, y));
          }
          case MOD -> {
            return new SemValue.Int(Math.floorMod(x, y));
          }
          case DIV -> {
            return x % y == 0 ? new SemValue.Int(x / y) : new SemValue.Float((double) x / y);
          }
          case POW -> {
            if (y >= 0) {
              long p = 1;
              for (long i = 0; i < y; i++) {
                p = Math.multiplyExact(p, x);
              }
              return new SemValue.Int(p);
            }
          }
          default -> {}
        }
      } catch (ArithmeticException e) {
        Message.TYPE_MISMATCH.report(
            diags, where.span(), "integer overflow in '" + Elaborator.render(where) + "'");
        return new SemValue.Poison();
      }
    }
    double v =
        switch (op) {
          case ADD -> a + b;
          case SUB -> a - b;
          case MUL -> a * b;
          case DIV -> a / b;
          case MOD -> a - b * Math.floor(a / b);
          case POW -> Math.pow(a, b);
          default -> Double.NaN;
        };
    if (!Double.isFinite(v)) {
      Message.TYPE_MISMATCH.report(
          diags, where.span(), "'" + Elaborator.render(where) + "' is not a finite number");
      return new SemValue.Poison();
    }
    return new SemValue.Float(v);
  }

  /** Configuration functions ({@code sqrt(d)}) and initialisers ({@code normal(0.02)}). */
  static SemValue function(Expr.Call c, List<SemValue> args, Diagnostics diags) {
    String f = c.callee();
    int arity =
        switch (f) {
          case "min", "max" -> 2;
          default -> 1;
        };
    if (args.size() != arity) {
      Message.TOO_MANY_ARGUMENTS.reportWithHint(
          diags, c.span(), f + " takes " + arity + " argument(s)", f, arity, args.size());
      return new SemValue.Poison();
    }
    for (int i = 0; i < args.size(); i++) {
      if (!SemValue.isNumber(args.get(i))) {
        Message.WRONG_ARGUMENT.report(
            diags,
            c.args().get(i).value().span(),
            f,
            "argument " + (i + 1),
            "a number",
            args.get(i).describe());
        return new SemValue.Poison();
      }
    }
    double x = SemValue.number(args.getFirst());
    boolean ints = args.stream().allMatch(a -> a instanceof SemValue.Int);
    switch (f) {
      case "normal" -> {
        return positive(c, diags, x)
            ? new SemValue.InitV(new Init.Normal(x))
            : new SemValue.Poison();
      }
      case "truncated_normal" -> {
        return positive(c, diags, x)
            ? new SemValue.InitV(new Init.TruncatedNormal(x))
            : new SemValue.Poison();
      }
      case "uniform" -> {
        return positive(c, diags, x)
            ? new SemValue.InitV(new Init.Uniform(x))
            : new SemValue.Poison();
      }
      case "constant" -> {
        return new SemValue.InitV(new Init.Constant(x));
      }
      case "sqrt", "log" -> {
        if (x < 0 || (f.equals("log") && x == 0)) {
          Message.TYPE_MISMATCH.report(diags, c.span(), f + " of " + x + " is not a real number");
          return new SemValue.Poison();
        }
        return new SemValue.Float(f.equals("sqrt") ? Math.sqrt(x) : Math.log(x));
      }
      case "exp" -> {
        return new SemValue.Float(Math.exp(x));
      }
      case "abs" -> {
        return ints ? new SemValue.Int(Math.abs((long) x)) : new SemValue.Float(Math.abs(x));
      }
      case "int" -> {
        return new SemValue.Int((long) x);
      }
      case "float" -> {
        return new SemValue.Float(x);
      }
      case "min", "max" -> {
        double y = SemValue.number(args.get(1));
        double m = f.equals("min") ? Math.min(x, y) : Math.max(x, y);
        return ints ? new SemValue.Int((long) m) : new SemValue.Float(m);
      }
      default -> {
        return new SemValue.Poison();
      }
    }
  }

  private static boolean positive(Expr.Call c, Diagnostics diags, double x) {
    if (x > 0) {
      return true;
    }
    Message.WRONG_ARGUMENT.report(diags, c.span(), c.callee(), "std", "a positive number", x);
    return false;
  }
}
