package dev.kiln.dsl.parse;

import java.util.ArrayDeque;
import java.util.Deque;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.ParseTreeListener;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Bounds the depth of the parse tree, so that neither the recursive-descent parser nor the recursive
 * passes over the tree and the AST can overflow the stack: a listener that stops the parse when rules
 * nest too deeply, and a check after it for the left-associative chains ANTLR parses in a loop.
 */
final class DepthLimit {
  /**
   * Parse-tree depth beyond which parsing stops. Long operator chains and unary runs nest without
   * brackets; this bound keeps the parser, the AST builder and every later recursive pass within a
   * small thread stack. 200 levels of most bracket nestings stay below it.
   */
  static final int MAX_TREE_DEPTH = 600;

  private DepthLimit() {}

  /**
   * The first token of a node deeper than {@link #MAX_TREE_DEPTH} in the parse tree, or null. ANTLR
   * parses left-associative chains ({@code a + b + c ...}, {@code x.a.b.c ...}) in a loop, so
   * {@link DepthGuard} never sees them; the tree they build is as deep as they are long, and the AST
   * builder recurses over it. Measured with an explicit stack, since recursion is what is at risk.
   */
  static Token deepestBeyondLimit(ParseTree root) {
    Deque<ParseTree> nodes = new ArrayDeque<>();
    Deque<Integer> depths = new ArrayDeque<>();
    nodes.push(root);
    depths.push(1);
    while (!nodes.isEmpty()) {
      ParseTree node = nodes.pop();
      int depth = depths.pop();
      if (depth > MAX_TREE_DEPTH) {
        return expressionStart((ParserRuleContext) node);
      }
      for (int i = 0; i < node.getChildCount(); i++) {
        if (node.getChild(i) instanceof ParserRuleContext child) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
    return null;
  }

  /** The first token of the outermost expression around {@code ctx}: where a too-deep error points. */
  private static Token expressionStart(ParserRuleContext ctx) {
    ParserRuleContext c = ctx;
    while (c.getParent() instanceof KilnParser.ExprContext
        || c.getParent() instanceof KilnParser.PrimaryContext
        || c.getParent() instanceof KilnParser.ArgsContext
        || c.getParent() instanceof KilnParser.ArgContext) {
      c = c.getParent();
    }
    return c.getStart();
  }

  /** Thrown by {@link DepthGuard} to abandon a parse that nests too deeply. */
  static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Token at;

    TooDeep(Token at) {
      super(null, null, false, false);
      this.at = at;
    }
  }

  /**
   * Counts the rule invocations open during the parse, i.e. the parser's own recursion (brackets,
   * unary and right-associative operators, nested statements). ANTLR reports each step of a
   * left-associative chain as a rule exit, so those chains are measured after the parse instead.
   */
  static final class DepthGuard implements ParseTreeListener {
    private int depth;

    @Override
    public void enterEveryRule(ParserRuleContext ctx) {
      if (++depth > MAX_TREE_DEPTH) {
        throw new TooDeep(expressionStart(ctx));
      }
    }

    @Override
    public void exitEveryRule(ParserRuleContext ctx) {
      depth--;
    }

    @Override
    public void visitTerminal(TerminalNode node) {}

    @Override
    public void visitErrorNode(ErrorNode node) {}
  }
}
