package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.DiagnosticRenderer;
import dev.kiln.dsl.diag.Severity;
import dev.kiln.dsl.diag.SourceText;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Syntax errors as users see them: the exact rendered text (position, message, quoted line, caret,
 * hint) and the catalogue codes, including files with several independent errors.
 */
class SyntaxErrorTest {
  private static final String FILE = "test.model";

  private static ParseResult parse(String text) {
    return ModelParser.parse(new SourceText(FILE, text));
  }

  /** Every diagnostic of {@code source}, rendered and joined by newlines, must equal {@code expected}. */
  private static void assertErrors(String source, String expected, String... codes) {
    ParseResult result = parse(source);
    DiagnosticRenderer renderer =
        new DiagnosticRenderer(Map.of(FILE, new SourceText(FILE, source)));
    String rendered =
        result.diagnostics().stream().map(renderer::render).collect(Collectors.joining("\n"));
    assertEquals(expected.stripTrailing(), rendered);
    assertEquals(
        List.of(codes), result.diagnostics().stream().map(Diagnostic::code).toList());
    for (Diagnostic d : result.diagnostics()) {
      assertEquals(Severity.ERROR, d.severity());
    }
  }

  /** The example of the design: a call left open, found while reading its arguments. */
  @Test
  void unclosedCallOnTheSameLine() {
    assertErrors("""
        model Tiny(d = 4) {
          input x: float[B, d]
          x = linear(x, 10 y = 3
        }
        """, """
        test.model:3:20: error: expected ')' to close the call to 'linear' opened at 3:13
         3 |   x = linear(x, 10 y = 3
           |                    ^
          hint: add ')' after the last argument
        """, "K0014");
  }

  /** A call left open at the end of a line is reported where the ')' belongs, not on the next line. */
  @Test
  void unclosedCallAtEndOfLine() {
    assertErrors("""
        model M {
          h = embed(tokens, 65, d
          y = h
        }
        """, """
        test.model:2:26: error: expected ')' to close the call to 'embed' opened at 2:12
         2 |   h = embed(tokens, 65, d
           |                          ^
          hint: add ')' after the last argument
        """, "K0014");
  }

  /** When the call is closed later on the line, the missing piece is a ','. */
  @Test
  void missingCommaBetweenArguments() {
    assertErrors("""
        model M {
          x = linear(x 10)
        }
        """, """
        test.model:2:16: error: expected ',' or ')' after the argument, found '10'
         2 |   x = linear(x 10)
           |                ^^
          hint: separate the arguments with ','
        """, "K0016");
  }

  /** '==' where a statement binds a name. */
  @Test
  void doubleEqualsInsteadOfAssign() {
    assertErrors("""
        model M {
          x == linear(x)
        }
        """, """
        test.model:2:5: error: '==' compares values; use '=' to bind 'x'
         2 |   x == linear(x)
           |     ^^
          hint: write 'x = ...'
        """, "K0021");
  }

  /** An input declaration without ':' between name and type. */
  @Test
  void missingColonAfterInputName() {
    assertErrors("""
        model M {
          input tokens int[B, T]
        }
        """, """
        test.model:2:16: error: expected ':' after the input name 'tokens', found 'int'
         2 |   input tokens int[B, T]
           |                ^^^
          hint: put ':' between the name and the element type, as in 'input tokens: float[B, T]'
        """, "K0025");
  }

  /** An input declaration without its element type. */
  @Test
  void missingElementType() {
    assertErrors("""
        model M {
          input x: [B, T]
        }
        """, """
        test.model:2:12: error: expected 'int' or 'float' as the element type of input 'x', found '['
         2 |   input x: [B, T]
           |            ^
          hint: write 'input x: float[B, T]'
        """, "K0026");
  }

  /** An element type that is not 'int' or 'float'. */
  @Test
  void unknownElementType() {
    assertErrors("""
        model M {
          input mask: bool[B, T]
        }
        """, """
        test.model:2:15: error: expected 'int' or 'float' as the element type of input 'mask', found 'bool'
         2 |   input mask: bool[B, T]
           |               ^^^^
          hint: write 'input mask: float[B, T]'
        """, "K0026");
  }

  /** Each misspelled keyword is reported, and the declaration after it still parsed. */
  @Test
  void misspelledTopLevelKeywords() {
    assertErrors("""
        modle M {
          x = 1
        }
        blok B(x) { return x }
        inport "a.model"
        """, """
        test.model:1:1: error: unknown keyword 'modle'; did you mean 'model'?
         1 | modle M {
           | ^^^^^
          hint: write 'model'
        test.model:4:1: error: unknown keyword 'blok'; did you mean 'block'?
         4 | blok B(x) { return x }
           | ^^^^
          hint: write 'block'
        test.model:5:1: error: unknown keyword 'inport'; did you mean 'import'?
         5 | inport "a.model"
           | ^^^^^^
          hint: write 'import'
        """, "K0007", "K0007", "K0007");
  }

  /** A misspelled 'model' is read as 'model', so errors in its body are found too. */
  @Test
  void misspelledTopLevelKeywordStillChecksTheBody() {
    assertErrors("""
        modle M {
          x = (1
        }
        """, """
        test.model:1:1: error: unknown keyword 'modle'; did you mean 'model'?
         1 | modle M {
           | ^^^^^
          hint: write 'model'
        test.model:2:9: error: expected ')' to close the parenthesis opened at 2:7
         2 |   x = (1
           |         ^
          hint: add ')' after the expression
        """, "K0007", "K0014");
  }

  /** 'to' where a range operator belongs. */
  @Test
  void wordInsteadOfRangeOperator() {
    assertErrors("""
        model M(n = 3) {
          for i in 0 to n {
            x = 1
          }
        }
        """, """
        test.model:2:14: error: expected '..<', '..=' or '..' in the range of the 'for' loop, found 'to'
         2 |   for i in 0 to n {
           |              ^^
          hint: write 'for i in 0 ..< n' to stop before n, or '0 ..= n' to include n
        """, "K0029");
  }

  /** A string cut off by the end of the line. */
  @Test
  void unterminatedString() {
    assertErrors("""
        model M {
          x = f("abc)
          y = 2
        }
        """, """
        test.model:2:9: error: unterminated string
         2 |   x = f("abc)
           |         ^^^^^
          hint: add a closing '"' before the end of the line
        """, "K0002");
  }

  /** Characters no token starts with, each line reported once. */
  @Test
  void unexpectedCharacters() {
    assertErrors("""
        model M {
          x = a @ b
          y = 'c'
        }
        """, """
        test.model:2:9: error: unexpected character '@'
         2 |   x = a @ b
           |         ^
        test.model:3:7: error: unexpected character '''
         3 |   y = 'c'
           |       ^
          hint: strings are written in double quotes: "..."
        """, "K0001", "K0001");
  }

  /** Something that cannot start a statement. */
  @Test
  void statementStartingWithAnOperator() {
    assertErrors("""
        model M {
          + x
          y = 1
        }
        """, """
        test.model:2:3: error: expected a statement, found '+'
         2 |   + x
           |   ^
          hint: a statement starts with a name ('x = ...') or with 'input', 'output', 'for', 'if' or 'return'
        """, "K0019");
  }

  /** A name followed by a value without '='. */
  @Test
  void missingAssignAfterName() {
    assertErrors("""
        model M {
          x linear(x)
        }
        """, """
        test.model:2:5: error: expected '=' after 'x', found 'linear'
         2 |   x linear(x)
           |     ^^^^^^
          hint: bind a value with 'x = ...'
        """, "K0023");
  }

  /** An operator ending a line, followed by a statement the parser would otherwise swallow. */
  @Test
  void trailingOperatorBeforeNextStatement() {
    assertErrors("""
        model M {
          x = a +
          y = 3
        }
        """, """
        test.model:2:9: error: expected an expression after '+'
         2 |   x = a +
           |         ^
          hint: complete the expression, or remove the trailing '+'
        """, "K0034");
  }

  /** An operator ending a body. */
  @Test
  void trailingOperatorBeforeClosingBrace() {
    assertErrors("""
        model M {
          x = a *
        }
        """, """
        test.model:2:9: error: expected an expression after '*'
         2 |   x = a *
           |         ^
          hint: complete the expression, or remove the trailing '*'
        """, "K0034");
  }

  /** '^' is only for transposes. */
  @Test
  void caretNotFollowedByT() {
    assertErrors("""
        model M {
          x = w^2
          y = w^U
        }
        """, """
        test.model:2:9: error: expected 'T' after '^' (transpose)
         2 |   x = w^2
           |         ^
          hint: '^' only marks a transpose, as in 'w^T'; use '**' for a power
        test.model:3:9: error: expected 'T' after '^' (transpose)
         3 |   y = w^U
           |         ^
          hint: '^' only marks a transpose, as in 'w^T'; use '**' for a power
        """, "K0037", "K0037");
  }

  /** A body left open at the end of the file. */
  @Test
  void missingClosingBraceAtEndOfFile() {
    assertErrors("""
        model M {
          x = 1
        """, """
        test.model:2:8: error: expected '}' to close the body of model 'M' opened at 1:9
         2 |   x = 1
           |        ^
          hint: add '}' after the last statement
        """, "K0014");
  }

  /** A body left open before the next declaration. */
  @Test
  void missingClosingBraceBeforeNextModel() {
    assertErrors("""
        model A {
          x = 1
        model B { }
        """, """
        test.model:2:8: error: expected '}' to close the body of model 'A' opened at 1:9
         2 |   x = 1
           |        ^
          hint: add '}' after the last statement
        """, "K0014");
  }

  /** Input dimensions left open. */
  @Test
  void missingClosingBracketInDimensions() {
    assertErrors("""
        model M {
          input x: int[B, T
          input y: float[B]
        }
        """, """
        test.model:2:20: error: expected ']' to close the dimensions of input 'x' opened at 2:15
         2 |   input x: int[B, T
           |                    ^
          hint: add ']' after the last dimension
        """, "K0014");
  }

  /** Comparisons are not associative. */
  @Test
  void chainedComparison() {
    assertErrors("""
        model M {
          ok = a < b
          x = a < b < c
        }
        """, """
        test.model:3:13: error: comparisons cannot be chained
         3 |   x = a < b < c
           |             ^
          hint: combine two comparisons with '&&', e.g. 'a < b && b < c'
        """, "K0036");
  }

  /** Closing brackets that close nothing. */
  @Test
  void unmatchedClosers() {
    assertErrors("""
        model M {
          x = f(a))
        }
        }
        """, """
        test.model:2:11: error: unexpected ')' with no matching '('
         2 |   x = f(a))
           |           ^
          hint: remove it, or add the missing '(' before it
        test.model:4:1: error: unexpected '}' with no matching '{'
         4 | }
           | ^
          hint: remove it, or add the missing '{' before it
        """, "K0015", "K0015");
  }

  /** A block must list its parameters, even none. */
  @Test
  void blockWithoutParameterList() {
    assertErrors("""
        block B {
          return 1
        }
        """, """
        test.model:1:9: error: expected '(' after the block name 'B', found '{'
         1 | block B {
           |         ^
          hint: a block always lists its parameters, even when there are none: 'block B() { ... }'
        """, "K0012");
  }

  /** Keywords cannot name things. */
  @Test
  void keywordsUsedAsNames() {
    assertErrors("""
        model M(in = 3) {
          output = 1
          return = 2
        }
        """, """
        test.model:1:9: error: 'in' is a keyword and cannot be used as a name
         1 | model M(in = 3) {
           |         ^^
          hint: choose another name, e.g. 'in_'
        test.model:2:3: error: 'output' is a keyword and cannot be used as a name
         2 |   output = 1
           |   ^^^^^^
          hint: choose another name, e.g. 'output_'
        test.model:3:3: error: 'return' is a keyword and cannot be used as a name
         3 |   return = 2
           |   ^^^^^^
          hint: choose another name, e.g. 'return_'
        """, "K0024", "K0024", "K0024");
  }

  /** A misspelled statement keyword reads as a name followed by a value. */
  @Test
  void misspelledStatementKeywords() {
    assertErrors("""
        model M {
          ouput y = x
          retrun x
        }
        """, """
        test.model:2:3: error: unknown keyword 'ouput'; did you mean 'output'?
         2 |   ouput y = x
           |   ^^^^^
          hint: write 'output'
        test.model:3:3: error: unknown keyword 'retrun'; did you mean 'return'?
         3 |   retrun x
           |   ^^^^^^
          hint: write 'return'
        """, "K0007", "K0007");
  }

  /** '3.' is not a number. */
  @Test
  void numberWithoutFraction() {
    assertErrors("""
        model M {
          x = 3.
          y = 2
        }
        """, """
        test.model:2:7: error: '3.' is not a number: a '.' must be followed by digits
         2 |   x = 3.
           |       ^^
          hint: write '3.0'
        """, "K0006");
  }

  /** A block comment running to the end of the file. */
  @Test
  void unterminatedBlockComment() {
    assertErrors("""
        model M {
          x = 1 /* never closed
          y = 2
        }
        """, """
        test.model:2:9: error: unterminated block comment
         2 |   x = 1 /* never closed
           |         ^^
          hint: close the comment with '*/'
        """, "K0003");
  }

  /** Literals that do not fit. */
  @Test
  void numbersOutOfRange() {
    assertErrors("""
        model M {
          x = 99999999999999999999
          y = 1e999
        }
        """, """
        test.model:2:7: error: number '99999999999999999999' is too large
         2 |   x = 99999999999999999999
           |       ^^^^^^^^^^^^^^^^^^^^
          hint: integers must fit in 64 bits
        test.model:3:7: error: number '1e999' is too large
         3 |   y = 1e999
           |       ^^^^^
          hint: floating-point numbers must be below 1.7e308
        """, "K0005", "K0005");
  }

  /** Only four escapes exist. */
  @Test
  void unknownEscape() {
    assertErrors("""
        model M {
          x = "tab\\tok \\q"
        }
        """, """
        test.model:2:16: error: unknown escape sequence '\\q' in a string
         2 |   x = "tab\\tok \\q"
           |                ^^
          hint: the escapes are \\", \\\\, \\n and \\t
        """, "K0004");
  }

  /** Imports come first. */
  @Test
  void importAfterDeclaration() {
    assertErrors("""
        model M { }
        import "x.model"
        """, """
        test.model:2:1: error: 'import' must come before the first model or block
         2 | import "x.model"
           | ^^^^^^
          hint: move the import to the top of the file
        """, "K0009");
  }

  /** An import names a file in a string. */
  @Test
  void importWithoutString() {
    assertErrors("""
        import blocks.model
        model M { }
        """, """
        test.model:1:8: error: expected the imported file's name as a string after 'import', found 'blocks'
         1 | import blocks.model
           |        ^^^^^^
          hint: write the name in double quotes: 'import "blocks.model"'
        """, "K0011");
  }

  /** An 'if' without braces leaves an empty branch; the next lines parse normally. */
  @Test
  void missingBraceOfIfDoesNotCascade() {
    assertErrors("""
        model M {
          if ready x = 1
          y = 2
        }
        """, """
        test.model:2:12: error: expected '{' to start the body of the 'if', found 'x'
         2 |   if ready x = 1
           |            ^
          hint: the branches of 'if' are always in braces: 'if cond { ... }'
        """, "K0013");
  }

  /** A loop whose '{' alone is missing takes its '}' back. */
  @Test
  void missingOpeningBraceOfLoopWithItsClosingBrace() {
    assertErrors("""
        model M {
          for i in 0 ..< 3
            x = x + i
          }
          y = 1
        }
        """, """
        test.model:3:5: error: expected '{' to start the body of the 'for' loop, found 'x'
         3 |     x = x + i
           |     ^
          hint: the body of a loop is always in braces: 'for i in 0 ..< n { ... }'
        """, "K0013");
  }

  /** A call must be bound. */
  @Test
  void callAsStatement() {
    assertErrors("""
        model M {
          linear(x, 4)
        }
        """, """
        test.model:2:3: error: the result of 'linear(...)' must be bound to a name
         2 |   linear(x, 4)
           |   ^^^^^^^
          hint: write 'y = linear(...)', or 'output y = linear(...)' to make it an output
        """, "K0022");
  }

  /** 'else' that follows no 'if'. */
  @Test
  void elseWithoutIf() {
    assertErrors("""
        model M {
          x = 1
          else { x = 2 }
        }
        """, """
        test.model:3:3: error: 'else' without an 'if'
         3 |   else { x = 2 }
           |   ^^^^
          hint: 'else' must follow the closing '}' of an 'if'
        """, "K0031");
  }

  /** '?' needs ':'. */
  @Test
  void conditionalWithoutColon() {
    assertErrors("""
        model M {
          x = a ? b
          y = 1
        }
        """, """
        test.model:3:3: error: expected ':' and the value to use when the condition is false, found 'y'
         3 |   y = 1
           |   ^
          hint: write 'cond ? a : b'
        """, "K0035");
  }

  /** Nothing after '='. */
  @Test
  void missingExpressionAfterAssign() {
    assertErrors("""
        model M {
          x =
        }
        """, """
        test.model:2:5: error: expected an expression after '='
         2 |   x =
           |     ^
          hint: write the value to bind after '='
        """, "K0034");
  }

  /** Lists have no trailing comma. */
  @Test
  void trailingCommaInList() {
    assertErrors("""
        model M {
          x = [1, 2, ]
        }
        """, """
        test.model:2:14: error: expected an expression after ',', found ']'
         2 |   x = [1, 2, ]
           |              ^
          hint: remove the trailing ','
        """, "K0033");
  }

  /** An output names what it exports. */
  @Test
  void outputOfACallNeedsAName() {
    assertErrors("""
        model M {
          output linear(x)
        }
        """, """
        test.model:2:16: error: expected '=' after the output name 'linear', found '('
         2 |   output linear(x)
           |                ^
          hint: name the output and bind it: 'output y = linear(...)'
        """, "K0032");
  }

  /** Statements belong in a body. */
  @Test
  void statementsOutsideAModel() {
    assertErrors("""
        x = 1
        model M { }
        """, """
        test.model:1:1: error: expected 'model', 'block' or 'import', found 'x'
         1 | x = 1
           | ^
          hint: statements belong inside the braces of a model or block
        """, "K0008");
  }

  /** Two values where one belongs. */
  @Test
  void extraTokenAfterStatement() {
    assertErrors("""
        model M {
          x = a b
        }
        """, """
        test.model:2:9: error: unexpected 'b' after the end of a statement
         2 |   x = a b
           |         ^
          hint: an operator may be missing; otherwise start a new statement
        """, "K0020");
  }

  /** Parentheses group one expression. */
  @Test
  void tupleInParentheses() {
    assertErrors("""
        model M {
          x = (a, b)
        }
        """, """
        test.model:2:9: error: expected an operator or ')', found ','
         2 |   x = (a, b)
           |         ^
          hint: parentheses hold one expression; write a list as '[a, b]'
        """, "K0039");
  }

  /** Every independent error of a file in one parse, and nothing that follows from them. */
  @Test
  void manyIndependentErrorsWithoutCascades() {
    assertErrors("""
        model M(d = 4) {
          input tokens: int[B, T
          h = embed(tokens, 65, d
          h = h +
          logits = linear(h, 65)
          out == softmax(logits)
          for i in 0 to 3 { h = h }
          output h
        }

        blok Extra(x) {
          return x ^ 2
        }
        """, """
        test.model:2:25: error: expected ']' to close the dimensions of input 'tokens' opened at 2:20
         2 |   input tokens: int[B, T
           |                         ^
          hint: add ']' after the last dimension
        test.model:3:26: error: expected ')' to close the call to 'embed' opened at 3:12
         3 |   h = embed(tokens, 65, d
           |                          ^
          hint: add ')' after the last argument
        test.model:4:9: error: expected an expression after '+'
         4 |   h = h +
           |         ^
          hint: complete the expression, or remove the trailing '+'
        test.model:6:7: error: '==' compares values; use '=' to bind 'out'
         6 |   out == softmax(logits)
           |       ^^
          hint: write 'out = ...'
        test.model:7:14: error: expected '..<', '..=' or '..' in the range of the 'for' loop, found 'to'
         7 |   for i in 0 to 3 { h = h }
           |              ^^
          hint: write 'for i in 0 ..< n' to stop before n, or '0 ..= n' to include n
        test.model:11:1: error: unknown keyword 'blok'; did you mean 'block'?
         11 | blok Extra(x) {
            | ^^^^
          hint: write 'block'
        test.model:12:14: error: expected 'T' after '^' (transpose)
         12 |   return x ^ 2
            |              ^
          hint: '^' only marks a transpose, as in 'w^T'; use '**' for a power
        """, "K0014", "K0014", "K0034", "K0021", "K0029", "K0007", "K0037");
  }

  /** An output bound with ':' instead of '='. */
  @Test
  void outputWithColon() {
    assertErrors("""
        model M {
          output loss: cross_entropy(x)
        }
        """, """
        test.model:2:14: error: expected '=' after the output name 'loss', found ':'
         2 |   output loss: cross_entropy(x)
           |              ^
          hint: write 'output loss = ...', or 'output loss' alone to export an existing value
        """, "K0032");
  }

  /** A C-style loop header. */
  @Test
  void loopHeaderInParentheses() {
    assertErrors("""
        model M {
          for (i in 0 ..< 3) { }
        }
        """, """
        test.model:2:7: error: expected the loop variable after 'for', found '('
         2 |   for (i in 0 ..< 3) { }
           |       ^
          hint: write the loop without parentheses: 'for i in 0 ..< n { ... }'
        """, "K0010");
  }

  /** Another language's 'elif'. */
  @Test
  void elifForElseIf() {
    assertErrors("""
        model M {
          if a { } elif b { }
        }
        """, """
        test.model:2:12: error: unknown keyword 'elif'; did you mean 'else if'?
         2 |   if a { } elif b { }
           |            ^^^^
          hint: write 'else if'
        """, "K0007");
  }

  /** Python-style ':' where '=' gives a value. */
  @Test
  void colonForEqualsInParametersAndArguments() {
    assertErrors("""
        model M(d: 4) {
          x = f(x, heads: 4)
        }
        """, """
        test.model:1:10: error: expected ',' or ')' after the parameter, found ':'
         1 | model M(d: 4) {
           |          ^
          hint: use '=' to give 'd' a value: 'd = ...'
        test.model:2:17: error: expected ',' or ')' after the argument, found ':'
         2 |   x = f(x, heads: 4)
           |                 ^
          hint: use '=' to give 'heads' a value: 'heads = ...'
        """, "K0016", "K0016");
  }

  /** A model without 'model'. */
  @Test
  void declarationWithoutKeyword() {
    assertErrors("""
        TinyGpt(d = 4) {
          x = 1
        }
        """, """
        test.model:1:1: error: expected 'model', 'block' or 'import', found 'TinyGpt'
         1 | TinyGpt(d = 4) {
           | ^^^^^^^
          hint: start the declaration with 'model' or 'block': 'model TinyGpt(...) { ... }'
        """, "K0008");
  }

  @Test
  void errorSpanCoversTheWholeOffendingToken() {
    Diagnostic d = parse("model M {\n  x == linear(x)\n}\n").diagnostics().get(0);
    assertEquals(new Span(FILE, 2, 5, 2, 7, null), d.span());
  }

  @Test
  void errorAtEndOfFilePointsJustAfterTheLastToken() {
    Diagnostic d = parse("model M {\n  x = f(1\n\n\n").diagnostics().get(0);
    assertEquals(new Span(FILE, 2, 10, 2, 11, null), d.span());
  }

  @Test
  void columnsCountTabsAsOneCharacterAndTheCaretKeepsThem() {
    String source = "model M {\n\tx = a +\n}\n";
    Diagnostic d = parse(source).diagnostics().get(0);
    assertEquals(2, d.span().line());
    assertEquals(8, d.span().column());
    String rendered = new DiagnosticRenderer(Map.of(FILE, new SourceText(FILE, source))).render(d);
    assertEquals(
        " 2 | \tx = a +\n   | \t      ^",
        rendered.lines().skip(1).limit(2).collect(Collectors.joining("\n")));
  }

  @Test
  void windowsLineEndingsAndByteOrderMarkDoNotMovePositions() {
    String unix = "model M {\n  x = f(1\n  y = 2\n}\n";
    Diagnostic expected = parse(unix).diagnostics().get(0);
    assertEquals(expected, parse(unix.replace("\n", "\r\n")).diagnostics().get(0));
    assertEquals(List.of(expected), parse("\uFEFF" + unix).diagnostics());
  }

  @Test
  void aBrokenFileStillYieldsTheStatementsThatParsed() {
    ParseResult result = parse("model M {\n  a = 1\n  b = )\n  c = 3\n}\n");
    assertNotNull(result.unit());
    assertEquals(1, result.diagnostics().size());
    assertEquals(
        List.of("a", "c"),
        result.unit().decls().get(0).body().stream()
            .map(s -> ((dev.kiln.dsl.ast.Stmt.Let) s).name())
            .toList());
  }
}
