package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.Span;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;

/**
 * The lexed tokens of one file as error reporting sees them: spans, neighbours, line structure, and
 * how a token is quoted in a message. Only default-channel tokens are in the stream (comments,
 * whitespace and bad characters never reach it), so a token's neighbour is the one the user sees.
 */
final class TokenView {
  private final String file;
  private final TokenStream tokens;

  TokenView(String file, TokenStream tokens) {
    this.file = file;
    this.tokens = tokens;
  }

  /** The span of one token; end of file is shown just after the last real token, not on a blank line. */
  Span span(Token t) {
    if (t.getType() == Token.EOF) {
      Token last = before(t);
      if (last == null) {
        return Span.of(file, Math.max(1, t.getLine()), t.getCharPositionInLine() + 1, 1);
      }
      return after(last);
    }
    return Span.of(file, t.getLine(), t.getCharPositionInLine() + 1, length(t));
  }

  /** From the start of {@code first} to the end of {@code last}. */
  Span span(Token first, Token last) {
    return span(first).to(span(last));
  }

  /** The column just after {@code t}. */
  Span after(Token t) {
    Span s = span(t);
    return Span.of(file, s.endLine(), s.endColumn(), 1);
  }

  /** The token before {@code t}, or null at the start of the file. */
  Token before(Token t) {
    int i = t.getTokenIndex() - 1;
    return i >= 0 ? tokens.get(i) : null;
  }

  /** The type of the token at {@code index}, or {@link Token#INVALID_TYPE} outside the stream. */
  int typeAt(int index) {
    return index >= 0 && index < tokens.size() ? tokens.get(index).getType() : Token.INVALID_TYPE;
  }

  boolean firstOnLine(Token t) {
    Token prev = before(t);
    return prev == null || prev.getLine() < t.getLine();
  }

  /** Whether {@code t} is where a statement would start: first on its line, or after '{', '}' or ';'. */
  boolean startsStatement(Token t) {
    int prev = typeAt(t.getTokenIndex() - 1);
    return firstOnLine(t)
        || prev == KilnLexer.LBRACE
        || prev == KilnLexer.RBRACE
        || prev == KilnLexer.SEMI;
  }

  /** The length of a token in characters (code points), at least 1. */
  static int length(Token t) {
    return t.getStopIndex() >= t.getStartIndex() ? t.getStopIndex() - t.getStartIndex() + 1 : 1;
  }

  /** A token that really is in the source: not absent, and not conjured by error recovery. */
  static boolean real(Token t) {
    return t != null && t.getTokenIndex() >= 0;
  }

  /** {@code line:column} of a token, as shown in messages. */
  static String position(Token t) {
    return t.getLine() + ":" + (t.getCharPositionInLine() + 1);
  }

  /** How a found token is named in a message: its quoted text, or "end of file". */
  static String show(Token t) {
    if (t.getType() == Token.EOF) {
      return "end of file";
    }
    String text = t.getText();
    return "'" + (text.length() > 24 ? text.substring(0, 20) + "..." : text) + "'";
  }

  /** The text of a fixed token type, e.g. {@code )} for {@code RPAREN}. */
  static String text(int type) {
    String literal = KilnLexer.VOCABULARY.getLiteralName(type);
    return literal == null
        ? KilnLexer.VOCABULARY.getSymbolicName(type)
        : literal.substring(1, literal.length() - 1);
  }

  /** How an expected token type is named in a message. */
  static String describe(int type) {
    return switch (type) {
      case Token.EOF -> "end of file";
      case KilnLexer.NAME -> "a name";
      case KilnLexer.INT_LIT, KilnLexer.FLOAT_LIT -> "a number";
      case KilnLexer.STRING -> "a string";
      default -> "'" + text(type) + "'";
    };
  }
}
