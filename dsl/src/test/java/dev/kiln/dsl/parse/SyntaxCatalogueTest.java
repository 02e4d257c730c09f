package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.Severity;
import dev.kiln.dsl.diag.SourceText;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message of the syntax catalogue ({@link SyntaxMessage}), each produced by a small file with
 * exactly that one mistake: its code, text, hint and position. {@link #everyMessageHasACase} keeps
 * the table complete as the catalogue grows. (SyntaxErrorTest shows the same messages rendered, in
 * context and several to a file.)
 */
class SyntaxCatalogueTest {
  private static final String FILE = "test.model";

  /** One diagnostic, as compared: code, text, hint and where it starts. */
  record Seen(String code, String message, String hint, int line, int column) {
    static Seen of(Diagnostic d) {
      assertEquals(Severity.ERROR, d.severity(), d::toString);
      assertEquals(FILE, d.span().file(), d::toString);
      return new Seen(d.code(), d.message(), d.hint(), d.span().line(), d.span().column());
    }
  }

  /** A catalogue message, the diagnostics of its input, and what the user must be told. */
  record Case(
      SyntaxMessage message,
      Function<String, List<Diagnostic>> check,
      String source,
      String text,
      String hint,
      int line,
      int column) {
    @Override
    public String toString() {
      return message.code() + " " + message.name();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void producesExactlyItsMessage(Case c) {
    List<Seen> seen = c.check().apply(c.source()).stream().map(Seen::of).toList();
    assertEquals(
        List.of(new Seen(c.message().code(), c.text(), c.hint(), c.line(), c.column())), seen);
  }

  /** The cases cover the whole catalogue: a new message needs a case here. */
  @Test
  void everyMessageHasACase() {
    Set<SyntaxMessage> covered = EnumSet.noneOf(SyntaxMessage.class);
    for (Case c : cases()) {
      covered.add(c.message());
    }
    // INTERNAL_ERROR reports a RuntimeException escaping the parser, i.e. a bug in it; no input is
    // known to cause one (HostileInputTest and MessageQualityTest check that none does), and the
    // parser has no hook to inject one.
    EnumSet<SyntaxMessage> excluded = EnumSet.of(SyntaxMessage.INTERNAL_ERROR);
    assertEquals(EnumSet.complementOf(excluded), covered);
    assertEquals(cases().size(), covered.size(), "one case per message");
  }

  private static Case parse(
      SyntaxMessage m, String source, String text, String hint, int line, int column) {
    return new Case(
        m,
        s -> ModelParser.parse(new SourceText(FILE, s)).diagnostics(),
        source,
        text,
        hint,
        line,
        column);
  }

  /**
   * The generic fallback: no file is known to reach it (the explainer always finds a more specific
   * message, or a list of at most four expected things), so the explainer is asked directly, at the
   * token {@code tokenIndex} of {@code source}, with nothing expected.
   */
  private static Case explainer(
      SyntaxMessage m, String source, int tokenIndex, String text, int line, int column) {
    return new Case(
        m,
        s -> {
          CommonTokenStream tokens =
              new CommonTokenStream(new KilnLexer(CharStreams.fromString(s)));
          tokens.fill();
          TokenView view = new TokenView(FILE, tokens);
          BracketScan brackets = new BracketScan(tokens.getTokens(), ModelParser.MAX_BRACKET_DEPTH);
          SyntaxErrorReporter reporter = new SyntaxErrorReporter();
          reporter.attach(view, brackets);
          SyntaxErrorExplainer explainer = new SyntaxErrorExplainer(view, brackets, reporter);
          return List.of(explainer.explain(null, tokens.get(tokenIndex), new IntervalSet()));
        },
        source,
        text,
        null,
        line,
        column);
  }

  static List<Case> cases() {
    return List.of(
        parse(SyntaxMessage.UNEXPECTED_CHARACTER, """
            model M {
              x = a @ b
            }
            """, "unexpected character '@'", null, 2, 9),
        parse(
            SyntaxMessage.UNTERMINATED_STRING,
            """
            model M {
              x = f("abc)
              y = 2
            }
            """,
            "unterminated string",
            "add a closing '\"' before the end of the line",
            2,
            9),
        parse(
            SyntaxMessage.UNTERMINATED_COMMENT,
            """
            model M {
              x = 1 /* never closed
              y = 2
            }
            """,
            "unterminated block comment",
            "close the comment with '*/'",
            2,
            9),
        parse(
            SyntaxMessage.UNKNOWN_ESCAPE,
            """
            model M {
              x = "a\\qb"
            }
            """,
            "unknown escape sequence '\\q' in a string",
            "the escapes are \\\", \\\\, \\n and \\t",
            2,
            9),
        parse(
            SyntaxMessage.NUMBER_OUT_OF_RANGE,
            """
            model M {
              x = 99999999999999999999
            }
            """,
            "number '99999999999999999999' is too large",
            "integers must fit in 64 bits",
            2,
            7),
        parse(
            SyntaxMessage.FLOAT_WITHOUT_FRACTION,
            """
            model M {
              x = 3.
              y = 2
            }
            """,
            "'3.' is not a number: a '.' must be followed by digits",
            "write '3.0'",
            2,
            7),
        parse(
            SyntaxMessage.MISSPELLED_KEYWORD,
            """
            modle M {
              x = 1
            }
            """,
            "unknown keyword 'modle'; did you mean 'model'?",
            "write 'model'",
            1,
            1),
        parse(
            SyntaxMessage.EXPECTED_DECLARATION,
            """
            model M { }
            42
            """,
            "expected 'model', 'block' or 'import', found '42'",
            "a file holds imports, then 'model' and 'block' declarations",
            2,
            1),
        parse(
            SyntaxMessage.IMPORT_AFTER_DECLARATION,
            """
            model M { }
            import "x.model"
            """,
            "'import' must come before the first model or block",
            "move the import to the top of the file",
            2,
            1),
        parse(
            SyntaxMessage.MISSING_NAME,
            """
            model {
              x = 1
            }
            """,
            "expected a name after 'model', found '{'",
            null,
            1,
            7),
        parse(
            SyntaxMessage.IMPORT_NEEDS_STRING,
            """
            import blocks.model
            model M { }
            """,
            "expected the imported file's name as a string after 'import', found 'blocks'",
            "write the name in double quotes: 'import \"blocks.model\"'",
            1,
            8),
        parse(
            SyntaxMessage.MISSING_BLOCK_PARAMS,
            """
            block B {
              return 1
            }
            """,
            "expected '(' after the block name 'B', found '{'",
            "a block always lists its parameters, even when there are none: 'block B() { ... }'",
            1,
            9),
        parse(
            SyntaxMessage.MISSING_OPEN_BRACE,
            """
            model M {
              if ready x = 1
              y = 2
            }
            """,
            "expected '{' to start the body of the 'if', found 'x'",
            "the branches of 'if' are always in braces: 'if cond { ... }'",
            2,
            12),
        parse(
            SyntaxMessage.UNCLOSED,
            """
            model M {
              x = (1
            }
            """,
            "expected ')' to close the parenthesis opened at 2:7",
            "add ')' after the expression",
            2,
            9),
        parse(
            SyntaxMessage.UNMATCHED_CLOSER,
            """
            model M {
              x = f(a))
            }
            """,
            "unexpected ')' with no matching '('",
            "remove it, or add the missing '(' before it",
            2,
            11),
        parse(
            SyntaxMessage.MISSING_SEPARATOR,
            """
            model M {
              x = linear(x 10)
            }
            """,
            "expected ',' or ')' after the argument, found '10'",
            "separate the arguments with ','",
            2,
            16),
        parse(
            SyntaxMessage.NESTING_TOO_DEEP,
            "model M {\n  x = " + "(".repeat(200) + "1" + ")".repeat(200) + "\n}\n",
            "brackets are nested too deeply (more than 200 levels)",
            "split the expression into several statements",
            2,
            7 + 199),
        parse(
            SyntaxMessage.TOO_COMPLEX,
            "model M {\n  x = a" + " + a".repeat(1000) + "\n}\n",
            "this is too long or too deeply nested to compile (more than 600 levels in the syntax"
                + " tree)",
            "split the expression into several statements",
            2,
            7),
        parse(
            SyntaxMessage.EXPECTED_STATEMENT,
            """
            model M {
              + x
              y = 1
            }
            """,
            "expected a statement, found '+'",
            "a statement starts with a name ('x = ...') or with 'input', 'output', 'for', 'if' or"
                + " 'return'",
            2,
            3),
        parse(
            SyntaxMessage.AFTER_STATEMENT,
            """
            model M {
              x = a b
            }
            """,
            "unexpected 'b' after the end of a statement",
            "an operator may be missing; otherwise start a new statement",
            2,
            9),
        parse(
            SyntaxMessage.DOUBLE_EQUALS,
            """
            model M {
              x == linear(x)
            }
            """,
            "'==' compares values; use '=' to bind 'x'",
            "write 'x = ...'",
            2,
            5),
        parse(
            SyntaxMessage.CALL_AS_STATEMENT,
            """
            model M {
              linear(x, 4)
            }
            """,
            "the result of 'linear(...)' must be bound to a name",
            "write 'y = linear(...)', or 'output y = linear(...)' to make it an output",
            2,
            3),
        parse(
            SyntaxMessage.MISSING_ASSIGN,
            """
            model M {
              x linear(x)
            }
            """,
            "expected '=' after 'x', found 'linear'",
            "bind a value with 'x = ...'",
            2,
            5),
        parse(
            SyntaxMessage.KEYWORD_AS_NAME,
            """
            model M(in = 3) {
              x = 1
            }
            """,
            "'in' is a keyword and cannot be used as a name",
            "choose another name, e.g. 'in_'",
            1,
            9),
        parse(
            SyntaxMessage.MISSING_COLON,
            """
            model M {
              input tokens int[B, T]
            }
            """,
            "expected ':' after the input name 'tokens', found 'int'",
            "put ':' between the name and the element type, as in 'input tokens: float[B, T]'",
            2,
            16),
        parse(
            SyntaxMessage.MISSING_ELEMENT_TYPE,
            """
            model M {
              input x: [B, T]
            }
            """,
            "expected 'int' or 'float' as the element type of input 'x', found '['",
            "write 'input x: float[B, T]'",
            2,
            12),
        parse(
            SyntaxMessage.MISSING_DIMS,
            """
            model M {
              input x: float(B, T)
            }
            """,
            "expected '[' after the element type of input 'x', found '('",
            "list the dimensions in brackets: 'input x: float[B, T]'",
            2,
            17),
        parse(
            SyntaxMessage.MISSING_IN,
            """
            model M {
              for i 0 ..< 3 { }
            }
            """,
            "expected 'in' after the loop variable 'i', found '0'",
            "write 'for i in 0 ..< n { ... }'",
            2,
            9),
        parse(
            SyntaxMessage.MISSING_RANGE,
            """
            model M(n = 3) {
              for i in 0 to n { }
            }
            """,
            "expected '..<', '..=' or '..' in the range of the 'for' loop, found 'to'",
            "write 'for i in 0 ..< n' to stop before n, or '0 ..= n' to include n",
            2,
            14),
        parse(
            SyntaxMessage.MISSING_ELSE_BODY,
            """
            model M {
              if a { } else x = 1
            }
            """,
            "expected '{' or 'if' after 'else', found 'x'",
            "write 'else { ... }' or 'else if cond { ... }'",
            2,
            17),
        parse(
            SyntaxMessage.ELSE_WITHOUT_IF,
            """
            model M {
              x = 1
              else { x = 2 }
            }
            """,
            "'else' without an 'if'",
            "'else' must follow the closing '}' of an 'if'",
            3,
            3),
        parse(
            SyntaxMessage.OUTPUT_NEEDS_NAME,
            """
            model M {
              output loss: cross_entropy(x)
            }
            """,
            "expected '=' after the output name 'loss', found ':'",
            "write 'output loss = ...', or 'output loss' alone to export an existing value",
            2,
            14),
        parse(
            SyntaxMessage.MISSING_EXPRESSION,
            """
            model M {
              x = [1, , 2]
            }
            """,
            "expected an expression after ',', found ','",
            null,
            2,
            11),
        parse(
            SyntaxMessage.TRAILING_OPERATOR,
            """
            model M {
              x = a +
              y = 3
            }
            """,
            "expected an expression after '+'",
            "complete the expression, or remove the trailing '+'",
            2,
            9),
        parse(
            SyntaxMessage.MISSING_CONDITIONAL_COLON,
            """
            model M {
              x = a ? b
              y = 1
            }
            """,
            "expected ':' and the value to use when the condition is false, found 'y'",
            "write 'cond ? a : b'",
            3,
            3),
        parse(
            SyntaxMessage.CHAINED_COMPARISON,
            """
            model M {
              x = a < b < c
            }
            """,
            "comparisons cannot be chained",
            "combine two comparisons with '&&', e.g. 'a < b && b < c'",
            2,
            13),
        parse(
            SyntaxMessage.MISSING_TRANSPOSE_T,
            """
            model M {
              x = w^2
            }
            """,
            "expected 'T' after '^' (transpose)",
            "'^' only marks a transpose, as in 'w^T'; use '**' for a power",
            2,
            9),
        parse(
            SyntaxMessage.MISSING_MEMBER,
            """
            model M {
              x = a.(b)
            }
            """,
            "expected a member name after '.', found '('",
            "write a member name, as in 'tok.weight'",
            2,
            9),
        parse(
            SyntaxMessage.UNEXPECTED_TOKEN,
            """
            model M {
              x = (a, b)
            }
            """,
            "expected an operator or ')', found ','",
            "parentheses hold one expression; write a list as '[a, b]'",
            2,
            9),
        explainer(
            SyntaxMessage.UNEXPECTED,
            """
            model M {
              x = 1
            }
            """,
            3, // x
            "unexpected 'x'",
            2,
            3));
  }
}
