package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenFactory;
import org.antlr.v4.runtime.TokenSource;

/**
 * Sits between lexer and parser: reports the lexer's error tokens and keeps them from the parser,
 * which then sees the rest of the line as if the bad character were not there. An unterminated
 * string is handed on as a string, so the statement around it still parses.
 */
final class LexicalErrors implements TokenSource {
  private final KilnLexer lexer;
  private final SyntaxErrorReporter reporter;
  /** The unterminated strings handed on as strings; the AST builder must not drop a closing quote they lack. */
  final Set<Token> unterminatedStrings = Collections.newSetFromMap(new IdentityHashMap<>());

  LexicalErrors(KilnLexer lexer, SyntaxErrorReporter reporter) {
    this.lexer = lexer;
    this.reporter = reporter;
  }

  @Override
  public Token nextToken() {
    while (true) {
      Token t = lexer.nextToken();
      switch (t.getType()) {
        case KilnLexer.ERROR_CHAR -> reporter.report(unexpectedCharacter(t));
        case KilnLexer.UNTERMINATED_COMMENT ->
          reporter.report(SyntaxMessage.UNTERMINATED_COMMENT.at(Span.of(
              t.getTokenSource().getSourceName(), t.getLine(), t.getCharPositionInLine() + 1, 2)));
        case KilnLexer.UNTERMINATED_STRING -> {
          reporter.report(SyntaxMessage.UNTERMINATED_STRING.at(span(t)));
          ((CommonToken) t).setType(KilnLexer.STRING);
          unterminatedStrings.add(t);
          return t;
        }
        default -> {
          return t;
        }
      }
    }
  }

  private static Span span(Token t) {
    return Span.of(
        t.getTokenSource().getSourceName(),
        t.getLine(),
        t.getCharPositionInLine() + 1,
        TokenView.length(t));
  }

  private static Diagnostic unexpectedCharacter(Token t) {
    String text = t.getText();
    int cp = text.codePointAt(0);
    String shown;
    if (cp > 0x20 && cp < 0x7f) {
      shown = "'" + text + "'";
    } else if (Character.isISOControl(cp)
        || Character.isSpaceChar(cp)
        || !Character.isDefined(cp)
        || Character.getType(cp) == Character.FORMAT
        || Character.isSurrogate(text.charAt(0))) {
      shown = String.format("U+%04X", cp);
    } else {
      shown = String.format("'%s' (U+%04X)", text, cp);
    }
    String hint;
    if (cp == '\'' || cp == '`') {
      hint = "strings are written in double quotes: \"...\"";
    } else if (cp == 0x201C || cp == 0x201D) {
      hint = "use a plain double quote '\"'";
    } else if (Character.isSpaceChar(cp)) {
      hint = "replace it with a plain space";
    } else if (Character.isLetter(cp)) {
      hint = "names are written with ASCII letters, digits and '_'";
    } else {
      hint = null;
    }
    return SyntaxMessage.UNEXPECTED_CHARACTER.withHint(span(t), hint, shown);
  }

  @Override
  public int getLine() {
    return lexer.getLine();
  }

  @Override
  public int getCharPositionInLine() {
    return lexer.getCharPositionInLine();
  }

  @Override
  public CharStream getInputStream() {
    return lexer.getInputStream();
  }

  @Override
  public String getSourceName() {
    return lexer.getSourceName();
  }

  @Override
  public void setTokenFactory(TokenFactory<?> factory) {
    lexer.setTokenFactory(factory);
  }

  @Override
  public TokenFactory<?> getTokenFactory() {
    return lexer.getTokenFactory();
  }
}
