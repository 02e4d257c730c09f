package dev.kiln.dsl.parse;

import static dev.kiln.dsl.parse.KilnLexer.*;

import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.parse.KilnParser.BlockDeclContext;
import dev.kiln.dsl.parse.KilnParser.BodyContext;
import dev.kiln.dsl.parse.KilnParser.CallContext;
import dev.kiln.dsl.parse.KilnParser.ConditionalExprContext;
import dev.kiln.dsl.parse.KilnParser.ElemTypeContext;
import dev.kiln.dsl.parse.KilnParser.ForStmtContext;
import dev.kiln.dsl.parse.KilnParser.IfStmtContext;
import dev.kiln.dsl.parse.KilnParser.ImportDeclContext;
import dev.kiln.dsl.parse.KilnParser.InputStmtContext;
import dev.kiln.dsl.parse.KilnParser.LetStmtContext;
import dev.kiln.dsl.parse.KilnParser.ListLiteralContext;
import dev.kiln.dsl.parse.KilnParser.ModelDeclContext;
import dev.kiln.dsl.parse.KilnParser.ParamContext;
import dev.kiln.dsl.parse.KilnParser.ParamListContext;
import dev.kiln.dsl.parse.KilnParser.ParenContext;
import dev.kiln.dsl.parse.KilnParser.RangeOpContext;
import dev.kiln.dsl.parse.KilnParser.StmtContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Turns the parser's error events (offending token, expected tokens, rule context) into plain-word
 * diagnostics, and filters cascades: at most one error per line, and no complaint about an unclosed
 * bracket whose opening line already has an error (the first error most likely swallowed the closer).
 */
final class SyntaxErrorReporter {
  private static final Set<Integer> KEYWORDS =
      Set.of(IMPORT, MODEL, BLOCK, INPUT, OUTPUT, FOR, IN, IF, ELSE, RETURN, INT_KW, FLOAT_KW, TRUE, FALSE);
  private static final Set<Integer> TOP_KEYWORDS = Set.of(IMPORT, MODEL, BLOCK);
  private static final Set<Integer> STATEMENT_KEYWORDS = Set.of(INPUT, OUTPUT, FOR, IF, RETURN);
  private static final Set<Integer> BINARY_OPERATORS =
      Set.of(POW, STAR, SLASH, PERCENT, PLUS, MINUS, EQ, NE, LT, LE, GT, GE, ANDAND, OROR, AMP, PIPE);
  /** Tokens after which an expression must follow; one of them ending a line means the line is cut short. */
  private static final Set<Integer> NEEDS_OPERAND = union(
      BINARY_OPERATORS, Set.of(BANG, QUESTION, COLON, ASSIGN, RETURN, IN, RANGE_EXCL, RANGE_INCL, RANGE));
  private static final Set<Integer> EXPRESSION_STARTS =
      Set.of(NAME, INT_LIT, FLOAT_LIT, STRING, TRUE, FALSE, LPAREN, LBRACK, MINUS, BANG);
  /** Tokens that may always continue an expression; listing them in "expected ..." would only add noise. */
  private static final Set<Integer> CONTINUATIONS =
      union(BINARY_OPERATORS, Set.of(DOT, CARET, QUESTION, SEMI));
  private static final List<String> TOP_KEYWORD_TEXTS = List.of("model", "block", "import");
  private static final List<String> STATEMENT_KEYWORD_TEXTS = List.of("input", "output", "return", "for", "else");

  private final String file;
  private final List<Diagnostic> diagnostics = new ArrayList<>();
  /** Line to column of the error reported on it. */
  private final Map<Integer, Integer> errorColumns = new HashMap<>();
  private final Set<ParserRuleContext> statementsWithErrors = Collections.newSetFromMap(new IdentityHashMap<>());
  private TokenStream tokens;
  private BracketScan brackets;

  SyntaxErrorReporter(String file) {
    this.file = file;
  }

  /** Connects the reporter to the lexed tokens, which the parser-facing methods look around in. */
  void attach(TokenStream tokens, BracketScan brackets) {
    this.tokens = tokens;
    this.brackets = brackets;
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
    sorted.sort(Comparator.comparingInt((Diagnostic d) -> d.span().line()).thenComparingInt(d -> d.span().column()));
    return sorted;
  }

  // ------------------------------------------------------------------------------------------- spans

  /** The span of one token; end of file is shown just after the last real token, not on a blank line. */
  Span span(Token t) {
    if (t.getType() == Token.EOF) {
      Token last = t.getTokenIndex() > 0 ? tokens.get(t.getTokenIndex() - 1) : null;
      if (last == null || last.getType() == Token.EOF) {
        return Span.of(file, Math.max(1, t.getLine()), t.getCharPositionInLine() + 1, 1);
      }
      return after(last);
    }
    return Span.of(file, t.getLine(), t.getCharPositionInLine() + 1, length(t));
  }

  /** The column just after {@code t}. */
  Span after(Token t) {
    Span s = span(t);
    return Span.of(file, s.endLine(), s.endColumn(), 1);
  }

  /** From the start of {@code first} to the end of {@code last}. */
  Span span(Token first, Token last) {
    return span(first).to(span(last));
  }

  static int length(Token t) {
    return t.getStopIndex() >= t.getStartIndex() ? t.getStopIndex() - t.getStartIndex() + 1 : 1;
  }

  // ----------------------------------------------------------------------------- parser error events

  /** The parser expected one of {@code expected} at {@code off}, inside {@code ctx}. */
  void syntaxError(ParserRuleContext ctx, Token off, IntervalSet expected) {
    ParserRuleContext statement = statementOf(ctx);
    if (statement != null && !statementsWithErrors.add(statement)) {
      return; // recovery inside a broken statement rarely leaves it in a state worth a second error
    }
    report(explain(ctx, off, expected == null ? new IntervalSet() : expected));
  }

  /**
   * The statement (or declaration header) an error belongs to, for the one-error-per-statement rule;
   * null in a body's statement list, where neighbouring statements are independent.
   */
  private static ParserRuleContext statementOf(ParserRuleContext ctx) {
    for (ParserRuleContext c = ctx; c != null; c = c.getParent()) {
      if (c instanceof StmtContext || c instanceof ModelDeclContext || c instanceof BlockDeclContext
          || c instanceof ImportDeclContext) {
        return c;
      }
      if (c instanceof BodyContext body && real(body.open)) {
        return null;
      }
    }
    return null;
  }

  /** {@code off} cannot start a statement; called by the statement loop before it resynchronises. */
  void unexpectedStatement(Token off) {
    report(explainStatement(off));
  }

  /**
   * {@code off} cannot start a declaration. Returns the keyword type to re-type {@code off} as when it
   * is a misspelled keyword in a position where the keyword fits, so parsing goes on as if it were
   * spelled right; otherwise returns 0.
   */
  int unexpectedDeclaration(Token off, Token previousDeclaration) {
    int type = off.getType();
    boolean statementLike = type == INPUT || type == OUTPUT || type == RETURN || type == FOR || type == IF
        || type == NAME && typeAt(off.getTokenIndex() + 1) == ASSIGN;
    if (statementLike && previousDeclaration != null
        && errorColumns.keySet().stream().anyMatch(line -> line >= previousDeclaration.getLine())) {
      // Statements after a body that had an error: a '}' in that body closed it too early, which the
      // error there most likely explains.
      return 0;
    }
    if (type == NAME) {
      String keyword = closestKeyword(off.getText(), TOP_KEYWORD_TEXTS);
      if (keyword != null) {
        report(SyntaxMessage.MISSPELLED_KEYWORD.at(span(off), off.getText(), keyword));
        int next = typeAt(off.getTokenIndex() + 1);
        return switch (keyword) {
          case "model" -> next == NAME ? MODEL : 0;
          case "block" -> next == NAME ? BLOCK : 0;
          default -> next == STRING ? IMPORT : 0;
        };
      }
    }
    if (BracketScan.isCloser(type) && brackets.unmatched(off.getTokenIndex())) {
      report(unmatchedCloser(off));
    } else if (statementLike) {
      report(SyntaxMessage.EXPECTED_DECLARATION.withHint(
          span(off), "statements belong inside the braces of a model or block", show(off)));
    } else {
      report(SyntaxMessage.EXPECTED_DECLARATION.at(span(off), show(off)));
    }
    return 0;
  }

  private Diagnostic explain(ParserRuleContext ctx, Token off, IntervalSet expected) {
    Token prev = before(off);
    int pt = prev == null ? Token.INVALID_TYPE : prev.getType();
    int ot = off.getType();

    if (pt == CARET) {
      return SyntaxMessage.MISSING_TRANSPOSE_T.at(span(off));
    }
    if (pt == DOT && expected.contains(NAME)) {
      Token number = before(prev);
      if (number != null && number.getType() == INT_LIT && number.getStopIndex() + 1 == prev.getStartIndex()) {
        return SyntaxMessage.FLOAT_WITHOUT_FRACTION.at(span(number, prev), number.getText());
      }
      return SyntaxMessage.MISSING_MEMBER.at(span(off), show(off));
    }
    if (STATEMENT_KEYWORDS.contains(pt) && ot == ASSIGN && startsStatement(prev)) {
      return SyntaxMessage.KEYWORD_AS_NAME.at(span(prev), prev.getText());
    }
    if (KEYWORDS.contains(ot) && expected.contains(NAME) && !expected.contains(ot)
        && Set.of(ASSIGN, COLON, COMMA, RPAREN).contains(typeAt(off.getTokenIndex() + 1))) {
      return SyntaxMessage.KEYWORD_AS_NAME.at(span(off), off.getText());
    }
    if (ot == EQ && ctx instanceof LetStmtContext let && let.name != null) {
      return SyntaxMessage.DOUBLE_EQUALS.at(span(off), let.name.getText());
    }
    Diagnostic trailing = trailingOperator(off);
    if (trailing != null) {
      return trailing;
    }
    if (expectsExpression(expected) && !expected.contains(COMMA) && !containsCloser(expected) && prev != null) {
      if (firstOnLine(off) && NEEDS_OPERAND.contains(pt) && !KEYWORDS.contains(pt)) {
        return trailing(prev);
      }
      String hint = pt == COMMA && BracketScan.isCloser(ot) ? "remove the trailing ','" : null;
      return SyntaxMessage.MISSING_EXPRESSION.withHint(span(off), hint, show(prev), show(off));
    }

    Construct open = innermostOpen(ctx);
    if (open != null && expected.contains(open.closer)) {
      int opener = open.opener.getTokenIndex();
      int partner = brackets.partner(opener);
      boolean unclosed = partner == BracketScan.UNMATCHED || partner < off.getTokenIndex()
          || ot == Token.EOF || TOP_KEYWORDS.contains(ot);
      Integer errorColumn = errorColumns.get(open.opener.getLine());
      if (errorColumn != null && errorColumn > open.opener.getCharPositionInLine() && open.opener.getLine() != off.getLine()) {
        return null; // an error after the opener on its line probably swallowed the closer
      }
      String closer = text(open.closer);
      if (unclosed) {
        // When the line ends before the closer, point just after its last token, where the closer
        // belongs, rather than at the next line (whose own mistakes would then go unreported).
        Span where = prev != null && prev.getLine() < off.getLine() ? after(prev) : span(off);
        return SyntaxMessage.UNCLOSED.at(where, closer, open.what, position(open.opener), open.hint);
      }
      if (open.item != null && (pt == COMMA || prev == open.opener)) {
        return SyntaxMessage.UNEXPECTED_TOKEN.at(span(off), open.anItem() + " or '" + closer + "'", show(off));
      }
      if (open.item == null && open.closer == RPAREN) {
        String hint = ot == COMMA ? "parentheses hold one expression; write a list as '[a, b]'" : null;
        return SyntaxMessage.UNEXPECTED_TOKEN.withHint(span(off), hint, "an operator or ')'", show(off));
      }
      if (open.item != null) {
        boolean element = EXPRESSION_STARTS.contains(ot);
        return SyntaxMessage.MISSING_SEPARATOR.withHint(
            span(off),
            element ? SyntaxMessage.MISSING_SEPARATOR.hint(closer, open.item, show(off), open.items) : null,
            closer, open.item, show(off), open.items);
      }
    }

    if (BracketScan.isCloser(ot) && brackets.unmatched(off.getTokenIndex())) {
      return unmatchedCloser(off);
    }
    Diagnostic specific = explainInContext(ctx, off, expected, prev);
    if (specific != null) {
      return specific;
    }
    return generic(off, expected);
  }

  /** Messages that depend on which statement or declaration the parser is in. */
  private Diagnostic explainInContext(ParserRuleContext ctx, Token off, IntervalSet expected, Token prev) {
    int pt = prev == null ? Token.INVALID_TYPE : prev.getType();
    if (ctx instanceof LetStmtContext let && let.name != null && expected.contains(ASSIGN)) {
      String name = let.name.getText();
      String keyword = closestKeyword(name, STATEMENT_KEYWORD_TEXTS);
      if (keyword != null) {
        return SyntaxMessage.MISSPELLED_KEYWORD.at(span(let.name), name, keyword);
      }
      if (off.getType() == LPAREN) {
        return SyntaxMessage.CALL_AS_STATEMENT.at(span(let.name, off), name);
      }
      if (!startsStatement(let.name)) {
        // `x = f g`: the parser took `g` for the start of a new statement; the real problem is `g` itself.
        return SyntaxMessage.AFTER_STATEMENT.at(span(let.name), show(let.name));
      }
      return SyntaxMessage.MISSING_ASSIGN.at(span(off), name, show(off));
    }
    if (ctx instanceof InputStmtContext input) {
      if (pt == INPUT && expected.contains(NAME)) {
        return SyntaxMessage.MISSING_NAME.at(span(off), "the input's name after 'input'", show(off));
      }
      String name = input.name == null ? "?" : input.name.getText();
      if (expected.contains(COLON)) {
        return SyntaxMessage.MISSING_COLON.at(span(off), name, show(off));
      }
      if (expected.contains(LBRACK)) {
        return SyntaxMessage.MISSING_DIMS.at(span(off), name, show(off));
      }
    }
    if (ctx instanceof ElemTypeContext && ctx.getParent() instanceof InputStmtContext input) {
      return SyntaxMessage.MISSING_ELEMENT_TYPE.at(span(off), input.name.getText(), show(off));
    }
    if (ctx instanceof ForStmtContext loop) {
      if (pt == FOR && expected.contains(NAME)) {
        return SyntaxMessage.MISSING_NAME.at(span(off), "the loop variable after 'for'", show(off));
      }
      if (expected.contains(IN) && loop.var != null) {
        return SyntaxMessage.MISSING_IN.at(span(off), loop.var.getText(), show(off));
      }
    }
    if (ctx instanceof RangeOpContext && ctx.getParent() instanceof ForStmtContext loop) {
      return SyntaxMessage.MISSING_RANGE.at(span(off), show(off), loop.var.getText());
    }
    if (ctx instanceof IfStmtContext && pt == ELSE) {
      return SyntaxMessage.MISSING_ELSE_BODY.at(span(off), show(off));
    }
    if (ctx instanceof BodyContext body && body.open == null && expected.contains(LBRACE)) {
      ParserRuleContext owner = body.getParent();
      if (owner instanceof IfStmtContext branch && branch.ELSE() == null) {
        return SyntaxMessage.MISSING_OPEN_BRACE.at(
            span(off), "the body of the 'if'", show(off), "the branches of 'if' are always in braces: 'if cond { ... }'");
      }
      if (owner instanceof ForStmtContext) {
        return SyntaxMessage.MISSING_OPEN_BRACE.at(
            span(off), "the body of the 'for' loop", show(off), "the body of a loop is always in braces: 'for i in 0 ..< n { ... }'");
      }
      return SyntaxMessage.MISSING_OPEN_BRACE.at(span(off), describeBody(body), show(off), "add '{' before the first statement");
    }
    if (ctx instanceof ParamListContext params && params.open == null && params.getParent() instanceof BlockDeclContext block
        && block.name != null) {
      return SyntaxMessage.MISSING_BLOCK_PARAMS.at(span(off), block.name.getText(), show(off));
    }
    if (ctx instanceof ModelDeclContext model && real(model.name) && expected.contains(LBRACE)) {
      return SyntaxMessage.MISSING_OPEN_BRACE.at(
          span(off), "the body of model '" + model.name.getText() + "'", show(off), "add '{' before the first statement");
    }
    if (ctx instanceof ConditionalExprContext && expected.contains(COLON)) {
      return SyntaxMessage.MISSING_CONDITIONAL_COLON.at(span(off), show(off));
    }
    if ((ctx instanceof ModelDeclContext || ctx instanceof BlockDeclContext) && expected.contains(NAME)) {
      String kind = ctx instanceof ModelDeclContext ? "model" : "block";
      return SyntaxMessage.MISSING_NAME.at(span(off), "a name after '" + kind + "'", show(off));
    }
    if ((ctx instanceof ParamContext || ctx instanceof ParamListContext) && expected.contains(NAME)) {
      return SyntaxMessage.MISSING_NAME.at(span(off), "a parameter name", show(off));
    }
    if (ctx instanceof ImportDeclContext && expected.contains(STRING)) {
      return SyntaxMessage.IMPORT_NEEDS_STRING.at(span(off), show(off));
    }
    return null;
  }

  private Diagnostic explainStatement(Token off) {
    int ot = off.getType();
    int index = off.getTokenIndex();
    Token prev = before(off);
    if (BracketScan.isCloser(ot) && brackets.unmatched(index)) {
      return unmatchedCloser(off);
    }
    if (KEYWORDS.contains(ot) && typeAt(index + 1) == ASSIGN) {
      return SyntaxMessage.KEYWORD_AS_NAME.at(span(off), off.getText());
    }
    Diagnostic trailing = trailingOperator(off);
    if (trailing != null) {
      return trailing;
    }
    if (ot == LPAREN && prev != null && prev.getType() == NAME && typeAt(index - 2) == OUTPUT) {
      return SyntaxMessage.OUTPUT_NEEDS_NAME.at(span(off), prev.getText(), show(off));
    }
    if (ot == ELSE) {
      return SyntaxMessage.ELSE_WITHOUT_IF.at(span(off));
    }
    if (prev != null && prev.getLine() == off.getLine() && !Set.of(LBRACE, RBRACE, SEMI).contains(prev.getType())) {
      return SyntaxMessage.AFTER_STATEMENT.at(span(off), show(off));
    }
    return SyntaxMessage.EXPECTED_STATEMENT.at(span(off), show(off));
  }

  /**
   * `x = a +` followed by `y = 3` on the next line: newlines are not significant, so the parser read
   * `a + y` and only stumbles on the second '='. The mistake is the operator that ends the first line.
   */
  private Diagnostic trailingOperator(Token off) {
    if (off.getType() != ASSIGN) {
      return null;
    }
    Token name = before(off);
    Token op = name == null ? null : before(name);
    if (name == null || name.getType() != NAME || op == null || op.getLine() >= name.getLine()) {
      return null;
    }
    if (NEEDS_OPERAND.contains(op.getType()) && !KEYWORDS.contains(op.getType())) {
      return trailing(op);
    }
    if (op.getType() == DOT) {
      // `x = 3.` then `y = ...`: the parser read `3.y` as a member access.
      Token number = before(op);
      if (number != null && number.getType() == INT_LIT && number.getStopIndex() + 1 == op.getStartIndex()) {
        return SyntaxMessage.FLOAT_WITHOUT_FRACTION.at(span(number, op), number.getText());
      }
      return SyntaxMessage.MISSING_MEMBER.at(span(op), "the end of the line");
    }
    if (op.getType() == CARET) {
      return SyntaxMessage.MISSING_TRANSPOSE_T.at(span(op));
    }
    return null;
  }

  private Diagnostic trailing(Token op) {
    if (op.getType() == ASSIGN) {
      return SyntaxMessage.TRAILING_OPERATOR.withHint(span(op), "write the value to bind after '='", show(op));
    }
    return SyntaxMessage.TRAILING_OPERATOR.at(span(op), show(op));
  }

  private Diagnostic unmatchedCloser(Token off) {
    return SyntaxMessage.UNMATCHED_CLOSER.at(span(off), off.getText(), text(BracketScan.openerOf(off.getType())));
  }

  private Diagnostic generic(Token off, IntervalSet expected) {
    Set<String> wanted = new LinkedHashSet<>();
    if (expectsExpression(expected)) {
      wanted.add("an expression");
    }
    for (int type : expected.toList()) {
      if (CONTINUATIONS.contains(type) || expectsExpression(expected) && EXPRESSION_STARTS.contains(type)) {
        continue;
      }
      wanted.add(describe(type));
    }
    if (wanted.isEmpty() || wanted.size() > 4) {
      return SyntaxMessage.UNEXPECTED.at(span(off), show(off));
    }
    return SyntaxMessage.UNEXPECTED_TOKEN.at(span(off), joinOr(new ArrayList<>(wanted)), show(off));
  }

  // ------------------------------------------------------------------------------ open constructs

  /** A bracketed construct the parser is inside of: what it is, where it opened, how to close it. */
  private record Construct(Token opener, int closer, String what, String hint, String item, String items) {
    /** "an argument", for "expected an argument or ')'". */
    String anItem() {
      String noun = item.substring("the ".length());
      return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }
  }

  /** The innermost bracketed construct, in the rule contexts active at the error, whose opener was read. */
  private Construct innermostOpen(ParserRuleContext ctx) {
    for (ParserRuleContext c = ctx; c != null; c = c.getParent()) {
      if (c instanceof CallContext call && real(call.open) && call.close == null) {
        return new Construct(call.open, RPAREN, "the call to '" + call.callee.getText() + "'",
            "add ')' after the last argument", "the argument", "the arguments");
      }
      if (c instanceof ParenContext paren && real(paren.open) && paren.close == null) {
        return new Construct(paren.open, RPAREN, "the parenthesis", "add ')' after the expression", null, null);
      }
      if (c instanceof ListLiteralContext list && real(list.open) && list.close == null) {
        return new Construct(list.open, RBRACK, "the list", "add ']' after the last element", "the element", "the elements");
      }
      if (c instanceof InputStmtContext input && real(input.open) && input.close == null) {
        return new Construct(input.open, RBRACK, "the dimensions of input '" + input.name.getText() + "'",
            "add ']' after the last dimension", "the dimension", "the dimensions");
      }
      if (c instanceof ParamListContext params && real(params.open) && params.close == null) {
        return new Construct(params.open, RPAREN, "the parameters of " + owner(params.getParent()),
            "add ')' after the last parameter", "the parameter", "the parameters");
      }
      if (c instanceof BodyContext body && real(body.open) && body.close == null) {
        return new Construct(body.open, RBRACE, describeBody(body), "add '}' after the last statement", null, null);
      }
    }
    return null;
  }

  private static String describeBody(BodyContext body) {
    ParserRuleContext owner = body.getParent();
    if (owner instanceof ForStmtContext) {
      return "the body of the 'for' loop";
    }
    if (owner instanceof IfStmtContext branch) {
      // Labels are assigned only once a sub-rule returns, so tell the branches apart by the 'else' token.
      return branch.ELSE() == null ? "the body of the 'if'" : "the 'else' branch";
    }
    return "the body of " + owner(owner);
  }

  private static String owner(ParserRuleContext decl) {
    if (decl instanceof ModelDeclContext model && real(model.name)) {
      return "model '" + model.name.getText() + "'";
    }
    if (decl instanceof BlockDeclContext block && real(block.name)) {
      return "block '" + block.name.getText() + "'";
    }
    return decl instanceof BlockDeclContext ? "the block" : "the model";
  }

  // ---------------------------------------------------------------------------------------- helpers

  private Token before(Token t) {
    int i = t.getTokenIndex() - 1;
    return i >= 0 ? tokens.get(i) : null;
  }

  private int typeAt(int index) {
    return index >= 0 && index < tokens.size() ? tokens.get(index).getType() : Token.INVALID_TYPE;
  }

  /** Whether {@code t} is where a statement would start: first on its line, or after '{', '}' or ';'. */
  boolean startsStatement(Token t) {
    int before = typeAt(t.getTokenIndex() - 1);
    return firstOnLine(t) || before == LBRACE || before == RBRACE || before == SEMI;
  }

  boolean firstOnLine(Token t) {
    Token prev = before(t);
    return prev == null || prev.getLine() < t.getLine();
  }

  private static boolean real(Token t) {
    return t != null && t.getTokenIndex() >= 0;
  }

  private static boolean expectsExpression(IntervalSet expected) {
    return expected.contains(INT_LIT) && expected.contains(LPAREN) && expected.contains(NAME);
  }

  private static boolean containsCloser(IntervalSet expected) {
    return expected.contains(RPAREN) || expected.contains(RBRACK) || expected.contains(RBRACE);
  }

  /** {@code line:column} of a token, as shown in messages. */
  static String position(Token t) {
    return t.getLine() + ":" + (t.getCharPositionInLine() + 1);
  }

  /** How a found token is named in a message: quoted text, or "end of file". */
  static String show(Token t) {
    if (t.getType() == Token.EOF) {
      return "end of file";
    }
    String text = t.getText();
    return "'" + (text.length() > 24 ? text.substring(0, 20) + "..." : text) + "'";
  }

  private static String text(int type) {
    String literal = KilnLexer.VOCABULARY.getLiteralName(type);
    return literal == null ? KilnLexer.VOCABULARY.getSymbolicName(type) : literal.substring(1, literal.length() - 1);
  }

  /** How an expected token type is named in a message. */
  private static String describe(int type) {
    return switch (type) {
      case Token.EOF -> "end of file";
      case NAME -> "a name";
      case INT_LIT, FLOAT_LIT -> "a number";
      case STRING -> "a string";
      default -> "'" + text(type) + "'";
    };
  }

  private static String joinOr(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.get(items.size() - 1);
  }

  /** The keyword {@code word} is most likely a misspelling of, or null when none is close enough. */
  static String closestKeyword(String word, List<String> keywords) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String keyword : keywords) {
      // Short keywords tolerate one typo, longer ones two; otherwise every short name would match.
      int limit = keyword.length() <= 4 ? 1 : 2;
      int distance = distance(word.toLowerCase(Locale.ROOT), keyword);
      if (word.length() >= 2 && distance <= limit && distance < bestDistance) {
        best = keyword;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Optimal-string-alignment distance: edits, with a swap of two neighbours counting as one ({@code modle}). */
  static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return Integer.MAX_VALUE;
    }
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
    Set<Integer> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
