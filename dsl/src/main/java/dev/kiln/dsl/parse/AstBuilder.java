package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.Arg;
import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Decl;
import dev.kiln.dsl.ast.Dim;
import dev.kiln.dsl.ast.Expr;
import dev.kiln.dsl.ast.Node;
import dev.kiln.dsl.ast.Param;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.ast.Stmt;
import dev.kiln.dsl.parse.KilnParser.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Builds the immutable AST from ANTLR's parse tree, giving every node the span of the tokens it was
 * parsed from, and reports the syntax errors the grammar leaves to it (chained comparisons, late
 * imports, bad escapes, numbers out of range, {@code ^} not followed by {@code T}).
 *
 * <p>After a syntax error the tree may have holes (tokens ANTLR conjured, rules that matched nothing);
 * a statement, parameter or declaration with a hole is left out of the AST rather than half-built.
 */
final class AstBuilder extends KilnBaseVisitor<Node> {
  /** Thrown when a parse-tree node needed for an AST node is missing because of a syntax error. */
  private static final class Incomplete extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Incomplete() {
      super(null, null, false, false);
    }
  }

  // Stackless and immutable, so one shared instance is safe: it only unwinds the visitor.
  @SuppressWarnings("StaticAssignmentOfThrowable")
  private static final Incomplete INCOMPLETE = new Incomplete();

  private final String file;
  private final SyntaxErrorReporter reporter;
  private final Set<Token> unterminated;

  /** {@code unterminatedStrings} (an identity set) holds the string tokens that lack their closing quote. */
  AstBuilder(String file, SyntaxErrorReporter reporter, Set<Token> unterminatedStrings) {
    this.file = file;
    this.reporter = reporter;
    this.unterminated = unterminatedStrings;
  }

  CompilationUnit build(FileContext ctx) {
    List<CompilationUnit.Import> imports = new ArrayList<>();
    List<Decl> decls = new ArrayList<>();
    for (TopLevelContext top : ctx.topLevel()) {
      try {
        if (top.importDecl() != null) {
          ImportDeclContext imp = top.importDecl();
          if (!decls.isEmpty()) {
            reporter.report(SyntaxMessage.IMPORT_AFTER_DECLARATION.at(span(need(imp.kw))));
          }
          // Like a statement's, an import's span leaves out the optional ';'.
          imports.add(new CompilationUnit.Import(
              string(need(imp.path)), span(need(imp.kw)).to(span(imp.path))));
        } else if (top.modelDecl() != null) {
          ModelDeclContext m = top.modelDecl();
          List<Param> params = m.params == null ? List.of() : params(m.params);
          decls.add(new Decl.Model(need(m.name).getText(), params, body(m.body()), span(m)));
        } else if (top.blockDecl() != null) {
          BlockDeclContext b = top.blockDecl();
          decls.add(new Decl.Block(
              need(b.name).getText(), params(need(b.params)), body(b.body()), span(b)));
        }
      } catch (Incomplete e) {
        // A declaration without a name has nothing to be referred to by; the error is already
        // reported.
      }
    }
    Token eof = ctx.getStop() != null ? ctx.getStop() : ctx.getStart();
    Span end = new Span(
        file,
        Math.max(1, eof.getLine()),
        eof.getCharPositionInLine() + 1,
        Math.max(1, eof.getLine()),
        eof.getCharPositionInLine() + 1,
        null);
    Span whole = new Span(file, 1, 1, end.endLine(), end.endColumn(), null);
    return new CompilationUnit(file, imports, decls, whole);
  }

  private List<Param> params(ParamListContext ctx) {
    List<Param> params = new ArrayList<>();
    for (ParamContext p : ctx.param()) {
      try {
        params.add(
            new Param(need(p.name).getText(), p.value == null ? null : expr(p.value), span(p)));
      } catch (Incomplete e) {
        // Left out; reported as a syntax error.
      }
    }
    return params;
  }

  private List<Stmt> body(BodyContext ctx) {
    if (ctx == null) {
      throw INCOMPLETE;
    }
    List<Stmt> body = new ArrayList<>();
    for (StmtContext s : ctx.stmt()) {
      try {
        body.add(build(s.getChild(0), Stmt.class));
      } catch (Incomplete e) {
        // Left out; reported as a syntax error.
      }
    }
    return body;
  }

  // ------------------------------------------------------------------------------------ statements

  @Override
  public Node visitInputStmt(InputStmtContext ctx) {
    Token type = need(ctx.type).getStart();
    if (ctx.type.getChildCount() == 0
        || (type.getType() != KilnLexer.INT_KW && type.getType() != KilnLexer.FLOAT_KW)) {
      throw INCOMPLETE;
    }
    Stmt.ElemType elem =
        type.getType() == KilnLexer.INT_KW ? Stmt.ElemType.INT : Stmt.ElemType.FLOAT;
    List<Dim> dims = new ArrayList<>();
    for (DimContext d : ctx.dim()) {
      dims.add(build(d, Dim.class));
    }
    return new Stmt.Input(need(ctx.name).getText(), elem, dims, span(ctx));
  }

  /** {@code T} and {@code T <= max}, written without parentheses, are run-time dims; anything else is a size. */
  @Override
  public Node visitDim(DimContext ctx) {
    if (ctx.size instanceof PrimaryExprContext p && p.primary() instanceof NameRefContext name) {
      return new Dim.Named(need(name.name).getText(), null, span(ctx));
    }
    if (ctx.size instanceof CompareExprContext cmp
        && need(cmp.op).getType() == KilnLexer.LE
        && cmp.left instanceof PrimaryExprContext p
        && p.primary() instanceof NameRefContext name) {
      return new Dim.Named(need(name.name).getText(), expr(cmp.right), span(ctx));
    }
    return new Dim.Sized(expr(ctx.size), span(ctx));
  }

  @Override
  public Node visitOutputStmt(OutputStmtContext ctx) {
    return new Stmt.Output(
        need(ctx.name).getText(), ctx.value == null ? null : expr(ctx.value), span(ctx));
  }

  @Override
  public Node visitLetStmt(LetStmtContext ctx) {
    return new Stmt.Let(need(ctx.name).getText(), expr(ctx.value), span(ctx));
  }

  @Override
  public Node visitForStmt(ForStmtContext ctx) {
    RangeOpContext range = need(ctx.range);
    if (range.getChildCount() != 1 || range.getChild(0) instanceof ErrorNode) {
      throw INCOMPLETE; // the range operator was conjured by error recovery
    }
    boolean inclusive = range.getStart().getType() != KilnLexer.RANGE_EXCL;
    return new Stmt.For(
        need(ctx.var).getText(),
        expr(ctx.from),
        expr(ctx.to),
        inclusive,
        body(ctx.body()),
        span(ctx));
  }

  @Override
  public Node visitIfStmt(IfStmtContext ctx) {
    List<Stmt> otherwise;
    if (ctx.elseIf != null) {
      otherwise = List.of(build(ctx.elseIf, Stmt.class));
    } else if (ctx.otherwise != null) {
      otherwise = body(ctx.otherwise);
    } else if (ctx.ELSE() != null) {
      throw INCOMPLETE; // 'else' followed by neither a block nor an 'if'
    } else {
      otherwise = List.of();
    }
    return new Stmt.If(expr(ctx.cond), body(ctx.then), otherwise, span(ctx));
  }

  @Override
  public Node visitReturnStmt(ReturnStmtContext ctx) {
    return new Stmt.Return(expr(ctx.value), span(ctx));
  }

  // ----------------------------------------------------------------------------------- expressions

  private Expr expr(ExprContext ctx) {
    return build(ctx, Expr.class);
  }

  /** Visits {@code tree}, which must yield a {@code type}; a rule that failed outright yields nothing. */
  private <T extends Node> T build(ParseTree tree, Class<T> type) {
    // accept() rather than visit(): one stack frame less per level of a deep expression.
    Node node = need(tree).accept(this);
    if (!type.isInstance(node)) {
      throw INCOMPLETE; // e.g. the bare ExprContext ANTLR leaves when no alternative matched
    }
    return type.cast(node);
  }

  @Override
  public Node visitPrimaryExpr(PrimaryExprContext ctx) {
    return build(ctx.primary(), Expr.class);
  }

  @Override
  public Node visitMemberExpr(MemberExprContext ctx) {
    return new Expr.Member(expr(ctx.target), need(ctx.member).getText(), span(ctx));
  }

  @Override
  public Node visitTransposeExpr(TransposeExprContext ctx) {
    Expr target = expr(ctx.target);
    if (!need(ctx.t).getText().equals("T")) {
      reporter.report(SyntaxMessage.MISSING_TRANSPOSE_T.at(span(ctx.t)));
    }
    return new Expr.Transpose(target, span(ctx));
  }

  @Override
  public Node visitPowExpr(PowExprContext ctx) {
    return binary(Expr.BinaryOp.POW, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitUnaryExpr(UnaryExprContext ctx) {
    Expr.UnaryOp op =
        need(ctx.op).getType() == KilnLexer.MINUS ? Expr.UnaryOp.NEG : Expr.UnaryOp.NOT;
    return new Expr.Unary(op, expr(ctx.operand), span(ctx));
  }

  @Override
  public Node visitMulExpr(MulExprContext ctx) {
    Expr.BinaryOp op =
        switch (need(ctx.op).getType()) {
          case KilnLexer.STAR -> Expr.BinaryOp.MUL;
          case KilnLexer.SLASH -> Expr.BinaryOp.DIV;
          default -> Expr.BinaryOp.MOD;
        };
    return binary(op, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitAddExpr(AddExprContext ctx) {
    Expr.BinaryOp op =
        need(ctx.op).getType() == KilnLexer.PLUS ? Expr.BinaryOp.ADD : Expr.BinaryOp.SUB;
    return binary(op, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitCompareExpr(CompareExprContext ctx) {
    Expr.BinaryOp op =
        switch (need(ctx.op).getType()) {
          case KilnLexer.EQ -> Expr.BinaryOp.EQ;
          case KilnLexer.NE -> Expr.BinaryOp.NE;
          case KilnLexer.LT -> Expr.BinaryOp.LT;
          case KilnLexer.LE -> Expr.BinaryOp.LE;
          case KilnLexer.GT -> Expr.BinaryOp.GT;
          default -> Expr.BinaryOp.GE;
        };
    // The grammar parses `a < b < c` left-associatively; the language makes comparisons
    // non-associative.
    if (ctx.left instanceof CompareExprContext) {
      reporter.report(SyntaxMessage.CHAINED_COMPARISON.at(span(ctx.op)));
    }
    return binary(op, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitBitAndExpr(BitAndExprContext ctx) {
    return binary(Expr.BinaryOp.BIT_AND, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitBitOrExpr(BitOrExprContext ctx) {
    return binary(Expr.BinaryOp.BIT_OR, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitAndExpr(AndExprContext ctx) {
    return binary(Expr.BinaryOp.AND, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitOrExpr(OrExprContext ctx) {
    return binary(Expr.BinaryOp.OR, ctx.left, ctx.op, ctx.right, ctx);
  }

  @Override
  public Node visitConditionalExpr(ConditionalExprContext ctx) {
    return new Expr.Conditional(expr(ctx.cond), expr(ctx.then), expr(ctx.otherwise), span(ctx));
  }

  private Expr binary(
      Expr.BinaryOp op, ExprContext left, Token opToken, ExprContext right, ExprContext ctx) {
    return new Expr.Binary(
        op, build(left, Expr.class), build(right, Expr.class), span(need(opToken)), span(ctx));
  }

  @Override
  public Node visitIntLiteral(IntLiteralContext ctx) {
    Token t = need(ctx.value);
    try {
      return new Expr.IntLit(Long.parseLong(t.getText()), span(t));
    } catch (NumberFormatException e) {
      reporter.report(SyntaxMessage.NUMBER_OUT_OF_RANGE.at(span(t), t.getText()));
      return new Expr.IntLit(Long.MAX_VALUE, span(t));
    }
  }

  @Override
  public Node visitFloatLiteral(FloatLiteralContext ctx) {
    Token t = need(ctx.value);
    double value = Double.parseDouble(t.getText());
    if (Double.isInfinite(value)) {
      reporter.report(SyntaxMessage.NUMBER_OUT_OF_RANGE.withHint(
          span(t), "floating-point numbers must be below 1.7e308", t.getText()));
    }
    return new Expr.FloatLit(value, span(t));
  }

  @Override
  public Node visitBoolLiteral(BoolLiteralContext ctx) {
    Token t = need(ctx.value);
    return new Expr.BoolLit(t.getType() == KilnLexer.TRUE, span(t));
  }

  @Override
  public Node visitStringLiteral(StringLiteralContext ctx) {
    Token t = need(ctx.value);
    return new Expr.StringLit(string(t), span(t));
  }

  @Override
  public Node visitCall(CallContext ctx) {
    List<Arg> args = new ArrayList<>();
    if (ctx.args() != null) {
      for (ArgContext a : ctx.args().arg()) {
        String name = a.name == null ? null : need(a.name).getText();
        args.add(new Arg(name, expr(a.value), span(a)));
      }
    }
    Token callee = need(ctx.callee);
    return new Expr.Call(callee.getText(), args, span(callee), span(ctx));
  }

  @Override
  public Node visitNameRef(NameRefContext ctx) {
    Token t = need(ctx.name);
    return new Expr.Name(t.getText(), span(t));
  }

  @Override
  public Node visitParen(ParenContext ctx) {
    // No node for parentheses: the inner expression keeps its own span; enclosing nodes' spans,
    // taken from their parse-tree context, include the parentheses.
    return expr(ctx.inner);
  }

  @Override
  public Node visitListLiteral(ListLiteralContext ctx) {
    List<Expr> items = new ArrayList<>();
    for (ExprContext e : ctx.expr()) {
      items.add(expr(e));
    }
    return new Expr.ListLit(items, span(ctx));
  }

  /** The value of a string literal: quotes removed, escapes resolved, unknown escapes reported. */
  private String string(Token t) {
    String text = t.getText();
    boolean closed = !unterminated.contains(t);
    int end = closed ? text.length() - 1 : text.length();
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < end; i++) {
      char c = text.charAt(i);
      if (c != '\\' || i + 1 >= end) {
        sb.append(c);
        continue;
      }
      char e = text.charAt(++i);
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        default -> {
          reporter.report(SyntaxMessage.UNKNOWN_ESCAPE.at(
              Span.of(file, t.getLine(), t.getCharPositionInLine() + i, 2), "\\" + e));
          sb.append(e);
        }
      }
    }
    return sb.toString();
  }

  // ----------------------------------------------------------------------------------------- spans

  /** The tokens from the context's first to its last, which error recovery never makes conjured ones. */
  private Span span(ParserRuleContext ctx) {
    Token start = ctx.getStart();
    Token stop = ctx.getStop();
    if (start == null
        || stop == null
        || stop.getTokenIndex() < start.getTokenIndex()
        || start.getType() == Token.EOF) {
      throw INCOMPLETE;
    }
    return span(start).to(span(stop));
  }

  private Span span(Token t) {
    return Span.of(file, t.getLine(), t.getCharPositionInLine() + 1, TokenView.length(t));
  }

  /** A token that really was in the source: not absent, and not conjured by error recovery. */
  private static Token need(Token t) {
    if (t == null || t.getTokenIndex() < 0 || t.getType() == Token.EOF) {
      throw INCOMPLETE;
    }
    return t;
  }

  private static <T extends ParseTree> T need(T tree) {
    if (tree == null || tree instanceof ErrorNode) {
      throw INCOMPLETE;
    }
    if (tree instanceof ParserRuleContext ctx
        && ctx.exception != null
        && ctx.getChildCount() == 0) {
      throw INCOMPLETE;
    }
    if (tree instanceof TerminalNode node) {
      need(node.getSymbol());
    }
    return tree;
  }
}
