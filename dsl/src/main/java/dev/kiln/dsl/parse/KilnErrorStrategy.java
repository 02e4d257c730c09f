package dev.kiln.dsl.parse;

import dev.kiln.dsl.parse.KilnParser.BodyContext;
import dev.kiln.dsl.parse.KilnParser.FileContext;
import java.util.Set;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.atn.ATNState;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * ANTLR's recovery (single-token insertion and deletion, resynchronisation on follow sets) with every
 * report routed to {@link SyntaxErrorReporter}, plus statement- and declaration-level resynchronisation:
 * junk where a statement or declaration should start is reported once and skipped up to the next thing
 * that can start one, instead of making ANTLR abandon the whole body or file.
 */
final class KilnErrorStrategy extends DefaultErrorStrategy {
  private static final Set<Integer> TOP_KEYWORDS =
      Set.of(KilnLexer.IMPORT, KilnLexer.MODEL, KilnLexer.BLOCK);
  private static final Set<Integer> STATEMENT_STARTS =
      Set.of(KilnLexer.INPUT, KilnLexer.OUTPUT, KilnLexer.FOR, KilnLexer.IF, KilnLexer.RETURN);

  private final SyntaxErrorReporter reporter;
  private final TokenView view;
  private final BracketScan brackets;

  KilnErrorStrategy(SyntaxErrorReporter reporter, TokenView view, BracketScan brackets) {
    this.reporter = reporter;
    this.view = view;
    this.brackets = brackets;
  }

  @Override
  public void reportError(Parser parser, RecognitionException e) {
    if (inErrorRecoveryMode(parser)) {
      return;
    }
    beginErrorCondition(parser);
    // An exception may carry the context and state of an earlier loop whose exit was possible
    // (ANTLR
    // keeps it to explain a mismatch after an optional part); its expected tokens are worth adding,
    // but the message must be chosen in the context the parser is actually in.
    IntervalSet expected = getExpectedTokens(parser);
    if (e.getOffendingState() >= 0 && e.getCtx() != null) {
      expected = expected.or(e.getExpectedTokens());
    }
    Token off = e.getOffendingToken() != null ? e.getOffendingToken() : parser.getCurrentToken();
    reporter.syntaxError(parser.getContext(), off, expected);
  }

  @Override
  protected void reportUnwantedToken(Parser parser) {
    if (inErrorRecoveryMode(parser)) {
      return;
    }
    beginErrorCondition(parser);
    reporter.syntaxError(parser.getContext(), parser.getCurrentToken(), getExpectedTokens(parser));
  }

  @Override
  protected void reportMissingToken(Parser parser) {
    if (inErrorRecoveryMode(parser)) {
      return;
    }
    beginErrorCondition(parser);
    reporter.syntaxError(parser.getContext(), parser.getCurrentToken(), getExpectedTokens(parser));
  }

  /**
   * ANTLR deletes one token when the token after it is the one expected. Newlines are not significant
   * in the grammar, but they are a strong hint: deleting the last token of a line so the parser can take
   * the first name or keyword of the next line makes it swallow the next statement and report a bogus
   * error there. Refuse that deletion; insertion or resynchronisation then keeps the next line intact.
   */
  @Override
  protected Token singleTokenDeletion(Parser parser) {
    Token current = parser.getCurrentToken();
    if ((BracketScan.isOpener(current.getType()) || BracketScan.isCloser(current.getType()))
        && !brackets.unmatched(current.getTokenIndex())) {
      // Deleting one bracket of a pair would unbalance everything after it.
      return null;
    }
    Token next = parser.getInputStream().LT(2);
    boolean nextStartsLine = next.getLine() > parser.getCurrentToken().getLine();
    if (nextStartsLine
        && (next.getType() == KilnLexer.NAME
            || STATEMENT_STARTS.contains(next.getType())
            || TOP_KEYWORDS.contains(next.getType()))) {
      return null;
    }
    return super.singleTokenDeletion(parser);
  }

  /**
   * ANTLR conjures a missing token when the current one could follow it. When the current token starts
   * a new statement on a new line, conjuring anything but a bracket (a ':' or an operator, say) would
   * make the broken statement swallow the next one; resynchronising leaves the next line intact.
   */
  @Override
  protected boolean singleTokenInsertion(Parser parser) {
    Token current = parser.getCurrentToken();
    TokenStream tokens = parser.getInputStream();
    boolean statementAhead = STATEMENT_STARTS.contains(current.getType())
        || TOP_KEYWORDS.contains(current.getType())
        || (current.getType() == KilnLexer.NAME && tokens.LA(2) == KilnLexer.ASSIGN);
    if (statementAhead && view.firstOnLine(current)) {
      IntervalSet expected = getExpectedTokens(parser);
      // A '{' is conjured only where recoverInline decided the user forgot just that one.
      if (!expected.contains(KilnLexer.RPAREN)
          && !expected.contains(KilnLexer.RBRACK)
          && !expected.contains(KilnLexer.RBRACE)
          && !expected.contains(KilnLexer.LBRACE)) {
        return false;
      }
    }
    return super.singleTokenInsertion(parser);
  }

  /**
   * A body whose '{' is missing gets a conjured '{' only when a '}' further on closes nothing, i.e. the
   * user forgot just the '{'. Otherwise the body is left empty: a conjured '{' would take the statements
   * that follow and the '}' of the enclosing body, which would then report a bogus missing '}'.
   */
  @Override
  public Token recoverInline(Parser parser) throws RecognitionException {
    if (parser.getContext() instanceof BodyContext body
        && body.open == null
        && parser.getInputStream().LA(1) != KilnLexer.LBRACE
        && !strayBraceFollows(body, parser.getCurrentToken())) {
      if (!inErrorRecoveryMode(parser)) {
        beginErrorCondition(parser);
        reporter.syntaxError(body, parser.getCurrentToken(), getExpectedTokens(parser));
      }
      throw new InputMismatchException(parser);
    }
    return super.recoverInline(parser);
  }

  /** Whether a '}' that closes nothing follows the end of the body enclosing {@code body}. */
  private boolean strayBraceFollows(BodyContext body, Token at) {
    int limit = at.getTokenIndex();
    for (ParserRuleContext c = body.getParent(); c != null; c = c.getParent()) {
      if (c instanceof BodyContext outer && outer.open != null && outer.open.getTokenIndex() >= 0) {
        limit = Math.max(limit, brackets.partner(outer.open.getTokenIndex()));
        break;
      }
    }
    return brackets.lastUnmatchedBrace() > limit;
  }

  /** Like ANTLR's, but skips a bracketed group whole, so recovery never stops at a token inside it. */
  @Override
  protected void consumeUntil(Parser parser, IntervalSet set) {
    // A 'model', 'block' or 'import' counts as a place to resume only at the start of a line: in
    // `import b.model` the keyword is part of the mistake.
    Token t = parser.getCurrentToken();
    while (t.getType() != Token.EOF
        && (!set.contains(t.getType())
            || (TOP_KEYWORDS.contains(t.getType()) && !view.firstOnLine(t)))) {
      skip(parser);
      t = parser.getCurrentToken();
    }
  }

  @Override
  public void sync(Parser parser) throws RecognitionException {
    ParserRuleContext ctx = parser.getContext();
    if (ctx instanceof BodyContext || ctx instanceof FileContext) {
      // ANTLR remembers the last loop whose exit was possible (EPSILON) to explain a later
      // mismatch,
      // and forgets it only in its own sync; at a statement or declaration boundary it is stale.
      nextTokensContext = null;
      nextTokensState = ATNState.INVALID_STATE_NUMBER;
    }
    if (ctx instanceof BodyContext) {
      syncStatements(parser);
    } else if (ctx instanceof FileContext) {
      syncDeclarations(parser);
    } else {
      super.sync(parser);
    }
  }

  /** At the statement loop of a body: skip anything that can neither start a statement nor end the body. */
  private void syncStatements(Parser parser) {
    TokenStream tokens = parser.getInputStream();
    while (true) {
      Token off = tokens.LT(1);
      if (endsJunk(off)
          && !(TOP_KEYWORDS.contains(off.getType())
              && bodyClosedAfter((BodyContext) parser.getContext(), off))) {
        // A top-level keyword ends the loop too, so that the body reports its missing '}', unless
        // the
        // body is closed further on: then the keyword is a stray one inside it.
        return;
      }
      if (!inErrorRecoveryMode(parser)) {
        beginErrorCondition(parser);
        reporter.unexpectedStatement(off);
      }
      skip(parser);
      while (!endsJunk(tokens.LT(1))) {
        Token t = tokens.LT(1);
        if (t.getType() == KilnLexer.ELSE && view.firstOnLine(t)) {
          // A line starting with 'else' is a mistake of its own, not the tail of the junk being
          // skipped.
          endErrorCondition(parser);
          break;
        }
        skip(parser);
      }
    }
  }

  /** Whether the '{' of {@code body} is matched by a '}' after {@code t}. */
  private boolean bodyClosedAfter(BodyContext body, Token t) {
    return body.open != null
        && body.open.getTokenIndex() >= 0
        && brackets.partner(body.open.getTokenIndex()) > t.getTokenIndex();
  }

  /** Whether {@code t} can start a statement or end the statement loop, so skipping junk stops there. */
  private boolean endsJunk(Token t) {
    int type = t.getType();
    if (type == Token.EOF
        || type == KilnLexer.RBRACE
        || STATEMENT_STARTS.contains(type)
        || TOP_KEYWORDS.contains(type)) {
      return true;
    }
    // A name starts a statement when it starts a line, follows '{', '}' or ';', or is followed by
    // '=';
    // elsewhere it is the leftover of the statement before it (`x = a b`).
    return type == KilnLexer.NAME
        && (view.startsStatement(t) || view.typeAt(t.getTokenIndex() + 1) == KilnLexer.ASSIGN);
  }

  /** At the declaration loop of the file: skip up to the next 'model', 'block' or 'import'. */
  private void syncDeclarations(Parser parser) {
    TokenStream tokens = parser.getInputStream();
    Token off = tokens.LT(1);
    int type = off.getType();
    if (TOP_KEYWORDS.contains(type) || type == Token.EOF) {
      return;
    }
    if (!inErrorRecoveryMode(parser)) {
      beginErrorCondition(parser);
      FileContext file = (FileContext) parser.getContext();
      Token previous = file.topLevel().isEmpty()
          ? null
          : file.topLevel().get(file.topLevel().size() - 1).getStart();
      int keyword = reporter.unexpectedDeclaration(off, previous);
      if (keyword != 0 && off instanceof CommonToken token) {
        // A misspelled keyword where the keyword fits: read it as the keyword, so the rest of the
        // declaration is still checked instead of skipped.
        token.setType(keyword);
        return;
      }
    }
    do {
      parser.consume();
    } while (tokens.LA(1) != Token.EOF
        && !(TOP_KEYWORDS.contains(tokens.LA(1)) && view.firstOnLine(tokens.LT(1))));
  }

  /** Consumes one token, or a whole bracketed group when the token opens one that is closed later. */
  private void skip(Parser parser) {
    Token t = parser.getCurrentToken();
    int partner = brackets.partner(t.getTokenIndex());
    if (BracketScan.isOpener(t.getType()) && partner > t.getTokenIndex()) {
      while (parser.getCurrentToken().getTokenIndex() <= partner
          && parser.getCurrentToken().getType() != Token.EOF) {
        parser.consume();
      }
    } else {
      parser.consume();
    }
  }
}
