package dev.kiln.dsl.parse;

import static dev.kiln.dsl.parse.KilnLexer.*;
import static dev.kiln.dsl.parse.TokenView.describe;
import static dev.kiln.dsl.parse.TokenView.position;
import static dev.kiln.dsl.parse.TokenView.real;
import static dev.kiln.dsl.parse.TokenView.show;
import static dev.kiln.dsl.parse.TokenView.text;

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
import dev.kiln.dsl.parse.KilnParser.OutputStmtContext;
import dev.kiln.dsl.parse.KilnParser.ParamContext;
import dev.kiln.dsl.parse.KilnParser.ParamListContext;
import dev.kiln.dsl.parse.KilnParser.ParenContext;
import dev.kiln.dsl.parse.KilnParser.RangeOpContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * Chooses the message for a syntax error from what the parser knows at that point (the offending
 * token, the tokens it expected, the rule contexts it is in) and from the tokens around: an
 * unclosed bracket and where it opened, a trailing operator, '==' for '=', a misspelled keyword.
 * Checks run from the most specific to the generic "expected X, found Y", which never lists ANTLR's
 * token sets or rule names.
 */
final class SyntaxErrorExplainer {
  private static final Set<Integer> KEYWORDS = Set.of(
      IMPORT, MODEL, BLOCK, INPUT, OUTPUT, FOR, IN, IF, ELSE, RETURN, INT_KW, FLOAT_KW, TRUE,
      FALSE);
  private static final Set<Integer> TOP_KEYWORDS = Set.of(IMPORT, MODEL, BLOCK);
  private static final Set<Integer> STATEMENT_KEYWORDS = Set.of(INPUT, OUTPUT, FOR, IF, RETURN);
  private static final Set<Integer> BINARY_OPERATORS = Set.of(
      POW, STAR, SLASH, PERCENT, PLUS, MINUS, EQ, NE, LT, LE, GT, GE, ANDAND, OROR, AMP, PIPE);
  /** Tokens after which an expression must follow; one of them ending a line means the line is cut short. */
  private static final Set<Integer> NEEDS_OPERAND = union(
      BINARY_OPERATORS,
      Set.of(BANG, QUESTION, COLON, ASSIGN, RETURN, IN, RANGE_EXCL, RANGE_INCL, RANGE));

  private static final Set<Integer> EXPRESSION_STARTS =
      Set.of(NAME, INT_LIT, FLOAT_LIT, STRING, TRUE, FALSE, LPAREN, LBRACK, MINUS, BANG);
  /** Tokens that may always continue an expression; listing them in "expected ..." would only add noise. */
  private static final Set<Integer> CONTINUATIONS =
      union(BINARY_OPERATORS, Set.of(DOT, CARET, QUESTION, SEMI));

  private static final List<String> STATEMENT_KEYWORD_TEXTS =
      List.of("input", "output", "return", "for", "else");

  private final TokenView tokens;
  private final BracketScan brackets;
  private final SyntaxErrorReporter reporter;

  SyntaxErrorExplainer(TokenView tokens, BracketScan brackets, SyntaxErrorReporter reporter) {
    this.tokens = tokens;
    this.brackets = brackets;
    this.reporter = reporter;
  }

  /** Whether {@code off}, found where a declaration should start, looks like a statement. */
  boolean looksLikeStatement(Token off) {
    int type = off.getType();
    return STATEMENT_KEYWORDS.contains(type)
        || (type == NAME && tokens.typeAt(off.getTokenIndex() + 1) == ASSIGN);
  }

  /** The message for {@code off} where a declaration should start; {@code keyword} is its likely spelling, if any. */
  Diagnostic explainDeclaration(Token off, String keyword) {
    if (keyword != null) {
      return SyntaxMessage.MISSPELLED_KEYWORD.at(span(off), off.getText(), keyword);
    }
    if (BracketScan.isCloser(off.getType()) && brackets.unmatched(off.getTokenIndex())) {
      return unmatchedCloser(off);
    }
    if (looksLikeStatement(off)) {
      return SyntaxMessage.EXPECTED_DECLARATION.withHint(
          span(off), "statements belong inside the braces of a model or block", show(off));
    }
    int next = typeAt(off.getTokenIndex() + 1);
    if (off.getType() == NAME && (next == LPAREN || next == LBRACE)) {
      return SyntaxMessage.EXPECTED_DECLARATION.withHint(
          span(off),
          "start the declaration with 'model' or 'block': 'model " + off.getText()
              + "(...) { ... }'",
          show(off));
    }
    return SyntaxMessage.EXPECTED_DECLARATION.at(span(off), show(off));
  }

  /** The message for an error inside a rule; null when the error is a consequence of an earlier one. */
  Diagnostic explain(ParserRuleContext ctx, Token off, IntervalSet expected) {
    Diagnostic d = explainByNeighbours(ctx, off, expected);
    if (d != null) {
      return d;
    }
    Construct open = innermostOpen(ctx);
    if (open != null && expected.contains(open.closer)) {
      if (reporter.hasErrorFrom(open.opener) && open.opener.getLine() != off.getLine()) {
        return null; // an error after the opener on its line probably swallowed the closer
      }
      d = explainInBrackets(open, off);
      if (d != null) {
        return d;
      }
    }
    if (BracketScan.isCloser(off.getType()) && brackets.unmatched(off.getTokenIndex())) {
      return unmatchedCloser(off);
    }
    d = explainInContext(ctx, off, expected, before(off));
    return d != null ? d : generic(off, expected);
  }

  /** Mistakes recognisable from the tokens right around {@code off}, wherever they happen. */
  private Diagnostic explainByNeighbours(ParserRuleContext ctx, Token off, IntervalSet expected) {
    Token prev = before(off);
    int pt = prev == null ? Token.INVALID_TYPE : prev.getType();
    int ot = off.getType();
    if (pt == CARET) {
      return SyntaxMessage.MISSING_TRANSPOSE_T.at(span(off));
    }
    if (pt == DOT && expected.contains(NAME)) {
      Token number = before(prev);
      if (number != null
          && number.getType() == INT_LIT
          && number.getStopIndex() + 1 == prev.getStartIndex()) {
        return SyntaxMessage.FLOAT_WITHOUT_FRACTION.at(tokens.span(number, prev), number.getText());
      }
      return SyntaxMessage.MISSING_MEMBER.at(span(off), show(off));
    }
    // `output = 1`: the keyword was meant as a name.
    if (STATEMENT_KEYWORDS.contains(pt) && ot == ASSIGN && tokens.startsStatement(prev)) {
      return SyntaxMessage.KEYWORD_AS_NAME.at(span(prev), prev.getText());
    }
    if (KEYWORDS.contains(ot)
        && expected.contains(NAME)
        && !expected.contains(ot)
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
    // Only an expression can come next (after an operator, '=', '[', ...), and there is none.
    if (expectsExpression(expected)
        && !expected.contains(COMMA)
        && !containsCloser(expected)
        && prev != null) {
      if (firstOnLine(off) && NEEDS_OPERAND.contains(pt) && !KEYWORDS.contains(pt)) {
        return trailing(prev);
      }
      String hint = pt == COMMA && BracketScan.isCloser(ot) ? "remove the trailing ','" : null;
      return SyntaxMessage.MISSING_EXPRESSION.withHint(span(off), hint, show(prev), show(off));
    }
    return null;
  }

  /** The parser could close {@code open} here but found {@code off}: unclosed, or a missing ','? */
  private Diagnostic explainInBrackets(Construct open, Token off) {
    Token prev = before(off);
    int ot = off.getType();
    int partner = brackets.partner(open.opener.getTokenIndex());
    boolean unclosed = partner == BracketScan.UNMATCHED
        || partner < off.getTokenIndex()
        || ot == Token.EOF
        || TOP_KEYWORDS.contains(ot);
    String closer = text(open.closer);
    if (unclosed) {
      // When the line ends before the closer, point just after its last token, where the closer
      // belongs, rather than at the next line (whose own mistakes would then go unreported).
      Span where = prev != null && prev.getLine() < off.getLine() ? tokens.after(prev) : span(off);
      return SyntaxMessage.UNCLOSED.at(where, closer, open.what, position(open.opener), open.hint);
    }
    if (open.item == null) {
      if (open.closer != RPAREN) {
        return null;
      }
      String hint =
          ot == COMMA ? "parentheses hold one expression; write a list as '[a, b]'" : null;
      return SyntaxMessage.UNEXPECTED_TOKEN.withHint(
          span(off), hint, "an operator or ')'", show(off));
    }
    if (prev != null && (prev.getType() == COMMA || prev == open.opener)) {
      return SyntaxMessage.UNEXPECTED_TOKEN.at(
          span(off), open.anItem() + " or '" + closer + "'", show(off));
    }
    if (ot == COLON && prev != null && prev.getType() == NAME && open.closer == RPAREN) {
      return SyntaxMessage.MISSING_SEPARATOR.withHint(
          span(off),
          "use '=' to give '" + prev.getText() + "' a value: '" + prev.getText() + " = ...'",
          closer,
          open.item,
          show(off),
          open.items);
    }
    // The bracket is closed later, so the list goes on: most likely a ',' is missing.
    String hint = EXPRESSION_STARTS.contains(ot)
        ? SyntaxMessage.MISSING_SEPARATOR.hint(closer, open.item, show(off), open.items)
        : null;
    return SyntaxMessage.MISSING_SEPARATOR.withHint(
        span(off), hint, closer, open.item, show(off), open.items);
  }

  /** Messages that depend on which statement or declaration the parser is in. */
  private Diagnostic explainInContext(
      ParserRuleContext ctx, Token off, IntervalSet expected, Token prev) {
    int pt = prev == null ? Token.INVALID_TYPE : prev.getType();
    if (ctx instanceof LetStmtContext let && let.name != null && expected.contains(ASSIGN)) {
      String name = let.name.getText();
      String keyword = Set.of("elif", "elsif", "elseif").contains(name)
          ? "else if"
          : Spelling.closestKeyword(name, STATEMENT_KEYWORD_TEXTS);
      if (keyword != null) {
        return SyntaxMessage.MISSPELLED_KEYWORD.at(span(let.name), name, keyword);
      }
      if (off.getType() == LPAREN) {
        return SyntaxMessage.CALL_AS_STATEMENT.at(tokens.span(let.name, off), name);
      }
      if (!tokens.startsStatement(let.name)) {
        // `x = f g`: the parser took `g` for the start of a new statement; the real problem is `g`
        // itself.
        return SyntaxMessage.AFTER_STATEMENT.at(span(let.name), show(let.name));
      }
      if (off.getType() == COLON) {
        return SyntaxMessage.MISSING_ASSIGN.withHint(
            span(off),
            "to declare an input, write 'input " + name + ": float[...]'",
            name,
            show(off));
      }
      return SyntaxMessage.MISSING_ASSIGN.at(span(off), name, show(off));
    }
    if (ctx instanceof OutputStmtContext && pt == OUTPUT && expected.contains(NAME)) {
      return SyntaxMessage.MISSING_NAME.at(
          span(off), "the output's name after 'output'", show(off));
    }
    if (ctx instanceof InputStmtContext input) {
      if (pt == INPUT && expected.contains(NAME)) {
        return SyntaxMessage.MISSING_NAME.at(
            span(off), "the input's name after 'input'", show(off));
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
        String hint = off.getType() == LPAREN
            ? "write the loop without parentheses: 'for i in 0 ..< n { ... }'"
            : null;
        return SyntaxMessage.MISSING_NAME.withHint(
            span(off), hint, "the loop variable after 'for'", show(off));
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
            span(off),
            "the body of the 'if'",
            show(off),
            "the branches of 'if' are always in braces: 'if cond { ... }'");
      }
      if (owner instanceof ForStmtContext) {
        return SyntaxMessage.MISSING_OPEN_BRACE.at(
            span(off),
            "the body of the 'for' loop",
            show(off),
            "the body of a loop is always in braces: 'for i in 0 ..< n { ... }'");
      }
      return SyntaxMessage.MISSING_OPEN_BRACE.at(
          span(off), describeBody(body), show(off), "add '{' before the first statement");
    }
    if (ctx instanceof ParamListContext params
        && params.open == null
        && params.getParent() instanceof BlockDeclContext block
        && block.name != null) {
      return SyntaxMessage.MISSING_BLOCK_PARAMS.at(span(off), block.name.getText(), show(off));
    }
    if (ctx instanceof ModelDeclContext model && real(model.name) && expected.contains(LBRACE)) {
      return SyntaxMessage.MISSING_OPEN_BRACE.at(
          span(off),
          "the body of model '" + model.name.getText() + "'",
          show(off),
          "add '{' before the first statement");
    }
    if (ctx instanceof ConditionalExprContext && expected.contains(COLON)) {
      return SyntaxMessage.MISSING_CONDITIONAL_COLON.at(span(off), show(off));
    }
    if ((ctx instanceof ModelDeclContext || ctx instanceof BlockDeclContext)
        && expected.contains(NAME)) {
      String kind = ctx instanceof ModelDeclContext ? "model" : "block";
      return SyntaxMessage.MISSING_NAME.at(span(off), "a name after '" + kind + "'", show(off));
    }
    if ((ctx instanceof ParamContext || ctx instanceof ParamListContext)
        && expected.contains(NAME)) {
      return SyntaxMessage.MISSING_NAME.at(span(off), "a parameter name", show(off));
    }
    if (ctx instanceof ImportDeclContext && expected.contains(STRING)) {
      return SyntaxMessage.IMPORT_NEEDS_STRING.at(span(off), show(off));
    }
    return null;
  }

  /** The message for {@code off} where a statement should start. */
  Diagnostic explainStatement(Token off) {
    int ot = off.getType();
    int index = off.getTokenIndex();
    Token prev = before(off);
    if (TOP_KEYWORDS.contains(ot)) {
      return SyntaxMessage.EXPECTED_STATEMENT.withHint(
          span(off),
          "'model', 'block' and 'import' belong at the top level of the file, not inside a body",
          show(off));
    }
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
    if (prev != null
        && prev.getType() == NAME
        && typeAt(index - 2) == OUTPUT
        && prev.getLine() == off.getLine()) {
      if (ot == LPAREN) {
        return SyntaxMessage.OUTPUT_NEEDS_NAME.withHint(
            span(off),
            "name the output and bind it: 'output y = " + prev.getText() + "(...)'",
            prev.getText(),
            show(off));
      }
      return SyntaxMessage.OUTPUT_NEEDS_NAME.at(span(off), prev.getText(), show(off));
    }
    if (ot == ELSE) {
      return SyntaxMessage.ELSE_WITHOUT_IF.at(span(off));
    }
    if (prev != null
        && prev.getLine() == off.getLine()
        && !Set.of(LBRACE, RBRACE, SEMI).contains(prev.getType())) {
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
      if (number != null
          && number.getType() == INT_LIT
          && number.getStopIndex() + 1 == op.getStartIndex()) {
        return SyntaxMessage.FLOAT_WITHOUT_FRACTION.at(tokens.span(number, op), number.getText());
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
      return SyntaxMessage.TRAILING_OPERATOR.withHint(
          span(op), "write the value to bind after '='", show(op));
    }
    return SyntaxMessage.TRAILING_OPERATOR.at(span(op), show(op));
  }

  private Diagnostic unmatchedCloser(Token off) {
    return SyntaxMessage.UNMATCHED_CLOSER.at(
        span(off), off.getText(), text(BracketScan.openerOf(off.getType())));
  }

  private Diagnostic generic(Token off, IntervalSet expected) {
    Set<String> wanted = new LinkedHashSet<>();
    if (expectsExpression(expected)) {
      wanted.add("an expression");
    }
    for (int type : expected.toList()) {
      if (CONTINUATIONS.contains(type)
          || (expectsExpression(expected) && EXPRESSION_STARTS.contains(type))) {
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
  private record Construct(
      Token opener, int closer, String what, String hint, String item, String items) {
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
        return new Construct(
            call.open,
            RPAREN,
            "the call to '" + call.callee.getText() + "'",
            "add ')' after the last argument",
            "the argument",
            "the arguments");
      }
      if (c instanceof ParenContext paren && real(paren.open) && paren.close == null) {
        return new Construct(
            paren.open, RPAREN, "the parenthesis", "add ')' after the expression", null, null);
      }
      if (c instanceof ListLiteralContext list && real(list.open) && list.close == null) {
        return new Construct(
            list.open,
            RBRACK,
            "the list",
            "add ']' after the last element",
            "the element",
            "the elements");
      }
      if (c instanceof InputStmtContext input && real(input.open) && input.close == null) {
        return new Construct(
            input.open,
            RBRACK,
            "the dimensions of input '" + input.name.getText() + "'",
            "add ']' after the last dimension",
            "the dimension",
            "the dimensions");
      }
      if (c instanceof ParamListContext params && real(params.open) && params.close == null) {
        return new Construct(
            params.open,
            RPAREN,
            "the parameters of " + owner(params.getParent()),
            "add ')' after the last parameter",
            "the parameter",
            "the parameters");
      }
      if (c instanceof BodyContext body && real(body.open) && body.close == null) {
        return new Construct(
            body.open, RBRACE, describeBody(body), "add '}' after the last statement", null, null);
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
      // Labels are assigned only once a sub-rule returns, so tell the branches apart by the 'else'
      // token.
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

  // ----------------------------------------------------------------------------------------
  // helpers

  private Span span(Token t) {
    return tokens.span(t);
  }

  private Token before(Token t) {
    return tokens.before(t);
  }

  private int typeAt(int index) {
    return tokens.typeAt(index);
  }

  private boolean firstOnLine(Token t) {
    return tokens.firstOnLine(t);
  }

  private static boolean expectsExpression(IntervalSet expected) {
    return expected.contains(INT_LIT) && expected.contains(LPAREN) && expected.contains(NAME);
  }

  private static boolean containsCloser(IntervalSet expected) {
    return expected.contains(RPAREN) || expected.contains(RBRACK) || expected.contains(RBRACE);
  }

  private static String joinOr(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1)) + " or "
        + items.get(items.size() - 1);
  }

  private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
    Set<Integer> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
