package dev.kiln.dsl.parse;

import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.parse.KilnParser.BlockDeclContext;
import dev.kiln.dsl.parse.KilnParser.BodyContext;
import dev.kiln.dsl.parse.KilnParser.ImportDeclContext;
import dev.kiln.dsl.parse.KilnParser.ModelDeclContext;
import dev.kiln.dsl.parse.KilnParser.StmtContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Collects the syntax diagnostics of one file and filters cascades: at most one error per line, one per
 * statement, no complaint about an unclosed bracket when an error after it on its line probably
 * swallowed the closer, and no complaint about statements outside a body that had an error (a stray
 * '}' in it closed it early). Which message to give is {@link SyntaxErrorExplainer}'s job.
 */
final class SyntaxErrorReporter {
  private static final List<String> TOP_KEYWORD_TEXTS = List.of("model", "block", "import");

  private final List<Diagnostic> diagnostics = new ArrayList<>();
  /** Line to column (1-based) of the error reported on it. */
  private final Map<Integer, Integer> errorColumns = new HashMap<>();

  private final Set<ParserRuleContext> statementsWithErrors =
      Collections.newSetFromMap(new IdentityHashMap<>());
  private TokenView tokens;
  private SyntaxErrorExplainer explainer;

  /** Connects the reporter to the lexed tokens, before the parser starts. */
  void attach(TokenView tokens, BracketScan brackets) {
    this.tokens = tokens;
    this.explainer = new SyntaxErrorExplainer(tokens, brackets, this);
  }

  /** Records {@code d} unless its line already has an error (a second error on a line is nearly always a cascade). */
  void report(Diagnostic d) {
    if (d != null && errorColumns.putIfAbsent(d.span().line(), d.span().column()) == null) {
      diagnostics.add(d);
    }
  }

  /** Every diagnostic reported, in source order. */
  List<Diagnostic> diagnostics() {
    List<Diagnostic> sorted = new ArrayList<>(diagnostics);
    sorted.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line())
        .thenComparingInt(d -> d.span().column()));
    return sorted;
  }

  /** Whether an error was reported on {@code t}'s line, at {@code t} or after it. */
  boolean hasErrorFrom(Token t) {
    Integer column = errorColumns.get(t.getLine());
    return column != null && column >= t.getCharPositionInLine() + 1;
  }

  // ----------------------------------------------------------------------------- parser error
  // events

  /** The parser expected one of {@code expected} at {@code off}, inside {@code ctx}. */
  void syntaxError(ParserRuleContext ctx, Token off, IntervalSet expected) {
    ParserRuleContext statement = statementOf(ctx);
    if (statement != null && !statementsWithErrors.add(statement)) {
      return; // recovery inside a broken statement rarely leaves it in a state worth a second error
    }
    report(explainer.explain(ctx, off, expected == null ? new IntervalSet() : expected));
  }

  /** {@code off} cannot start a statement; called by the statement loop before it resynchronises. */
  void unexpectedStatement(Token off) {
    report(explainer.explainStatement(off));
  }

  /**
   * {@code off} cannot start a declaration. Returns the keyword type to re-type {@code off} as when it
   * is a misspelled keyword in a position where the keyword fits, so parsing goes on as if it were
   * spelled right; otherwise returns 0.
   */
  int unexpectedDeclaration(Token off, Token previousDeclaration) {
    if (explainer.looksLikeStatement(off)
        && previousDeclaration != null
        && errorColumns.keySet().stream().anyMatch(line -> line >= previousDeclaration.getLine())) {
      // Statements after a body that had an error: a '}' in that body closed it too early, which
      // the
      // error there most likely explains.
      return 0;
    }
    String keyword = off.getType() == KilnLexer.NAME
        ? Spelling.closestKeyword(off.getText(), TOP_KEYWORD_TEXTS)
        : null;
    report(explainer.explainDeclaration(off, keyword));
    if (keyword == null) {
      return 0;
    }
    int next = tokens.typeAt(off.getTokenIndex() + 1);
    return switch (keyword) {
      case "model" -> next == KilnLexer.NAME ? KilnLexer.MODEL : 0;
      case "block" -> next == KilnLexer.NAME ? KilnLexer.BLOCK : 0;
      default -> next == KilnLexer.STRING ? KilnLexer.IMPORT : 0;
    };
  }

  /**
   * The statement (or declaration header) an error belongs to, for the one-error-per-statement rule;
   * null in a body's statement list, where neighbouring statements are independent.
   */
  private static ParserRuleContext statementOf(ParserRuleContext ctx) {
    for (ParserRuleContext c = ctx; c != null; c = c.getParent()) {
      if (c instanceof StmtContext
          || c instanceof ModelDeclContext
          || c instanceof BlockDeclContext
          || c instanceof ImportDeclContext) {
        return c;
      }
      if (c instanceof BodyContext body && TokenView.real(body.open)) {
        return null;
      }
    }
    return null;
  }
}
