package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.SourceText;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Set;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenFactory;
import org.antlr.v4.runtime.TokenSource;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.ParseTreeListener;
import org.antlr.v4.runtime.tree.TerminalNode;

/** The {@code .model} front end: source text in, AST and syntax diagnostics out; never throws. */
public final class ModelParser {
  /** Brackets nested deeper than this are refused before parsing. */
  static final int MAX_BRACKET_DEPTH = 200;

  /**
   * Parse-tree depth beyond which parsing stops. Long operator chains and unary runs nest without
   * brackets; this bound keeps the parser, the AST builder and every later recursive pass within a
   * small thread stack. 200 levels of the most rule-hungry bracket nesting stay well below it.
   */
  static final int MAX_TREE_DEPTH = 600;

  private ModelParser() {}

  /** Parses one file; the source's name becomes the {@code file} of every span. */
  public static ParseResult parse(SourceText source) {
    Objects.requireNonNull(source, "source");
    SyntaxErrorReporter reporter = new SyntaxErrorReporter(source.name());
    try {
      return parse(source, reporter);
    } catch (StackOverflowError e) {
      // A last resort, should the depth limits not suffice on a thread with a very small stack.
      reporter.report(SyntaxMessage.TOO_COMPLEX.at(Span.of(source.name(), 1, 1, 1), MAX_TREE_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    } catch (RuntimeException e) {
      // A last resort: a bug in the front end must surface as a diagnostic, not crash the compiler.
      StackTraceElement[] trace = e.getStackTrace();
      String where = trace.length > 0 ? e + " at " + trace[0] : e.toString();
      reporter.report(SyntaxMessage.INTERNAL_ERROR.at(Span.of(source.name(), 1, 1, 1), where));
      return new ParseResult(null, reporter.diagnostics());
    }
  }

  private static ParseResult parse(SourceText source, SyntaxErrorReporter reporter) {
    CharStream chars = CharStreams.fromString(source.text(), source.name());
    KilnLexer lexer = new KilnLexer(chars);
    lexer.removeErrorListeners();
    LexicalErrors lexical = new LexicalErrors(lexer, reporter);
    CommonTokenStream tokens = new CommonTokenStream(lexical);
    tokens.fill();

    BracketScan brackets = new BracketScan(tokens.getTokens(), MAX_BRACKET_DEPTH);
    reporter.attach(tokens, brackets);
    if (brackets.tooDeepAt() >= 0) {
      reporter.report(SyntaxMessage.NESTING_TOO_DEEP.at(reporter.span(tokens.get(brackets.tooDeepAt())), MAX_BRACKET_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }

    KilnParser parser = new KilnParser(tokens);
    parser.removeErrorListeners();
    parser.setErrorHandler(new KilnErrorStrategy(reporter, brackets));
    parser.addParseListener(new DepthGuard(parser));
    KilnParser.FileContext tree;
    try {
      tree = parser.file();
    } catch (TooDeep e) {
      reporter.report(SyntaxMessage.TOO_COMPLEX.at(reporter.span(e.at), MAX_TREE_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }
    Token tooDeep = deepestBeyondLimit(tree);
    if (tooDeep != null) {
      reporter.report(SyntaxMessage.TOO_COMPLEX.at(reporter.span(tooDeep), MAX_TREE_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }
    CompilationUnit unit = new AstBuilder(source.name(), reporter, lexical.unterminatedStrings).build(tree);
    return new ParseResult(unit, reporter.diagnostics());
  }

  /**
   * The first token of a node deeper than {@link #MAX_TREE_DEPTH} in the parse tree, or null. ANTLR
   * parses left-associative chains ({@code a + b + c ...}, {@code x.a.b.c ...}) in a loop, so
   * {@link DepthGuard} never sees them; the tree they build is as deep as they are long, and the AST
   * builder recurses over it. Measured with an explicit stack, since recursion is what is at risk.
   */
  private static Token deepestBeyondLimit(ParseTree root) {
    Deque<ParseTree> nodes = new ArrayDeque<>();
    Deque<Integer> depths = new ArrayDeque<>();
    nodes.push(root);
    depths.push(1);
    while (!nodes.isEmpty()) {
      ParseTree node = nodes.pop();
      int depth = depths.pop();
      if (depth > MAX_TREE_DEPTH) {
        // Point at the start of the whole expression rather than somewhere in its middle.
        ParserRuleContext ctx = (ParserRuleContext) node;
        while (ctx.getParent() instanceof KilnParser.ExprContext || ctx.getParent() instanceof KilnParser.PrimaryContext
            || ctx.getParent() instanceof KilnParser.ArgsContext || ctx.getParent() instanceof KilnParser.ArgContext) {
          ctx = ctx.getParent();
        }
        return ctx.getStart();
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

  /** Thrown by {@link DepthGuard} to abandon a parse that nests too deeply. */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Token at;

    TooDeep(Token at) {
      super(null, null, false, false);
      this.at = at;
    }
  }

  /** Counts the rule contexts open during the parse, left-recursive expression levels included. */
  private static final class DepthGuard implements ParseTreeListener {
    private final KilnParser parser;
    private int depth;

    DepthGuard(KilnParser parser) {
      this.parser = parser;
    }

    @Override
    public void enterEveryRule(ParserRuleContext ctx) {
      if (++depth > MAX_TREE_DEPTH) {
        throw new TooDeep(parser.getCurrentToken());
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

  /**
   * Sits between lexer and parser: reports the lexer's error tokens and keeps them from the parser,
   * which then sees the rest of the line as if the bad character were not there. An unterminated
   * string is handed on as a string, so the statement around it still parses.
   */
  private static final class LexicalErrors implements TokenSource {
    private final KilnLexer lexer;
    private final SyntaxErrorReporter reporter;
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
          case KilnLexer.UNTERMINATED_COMMENT -> reporter.report(SyntaxMessage.UNTERMINATED_COMMENT.at(
              Span.of(t.getTokenSource().getSourceName(), t.getLine(), t.getCharPositionInLine() + 1, 2)));
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
      return Span.of(t.getTokenSource().getSourceName(), t.getLine(), t.getCharPositionInLine() + 1,
          SyntaxErrorReporter.length(t));
    }

    private static dev.kiln.dsl.diag.Diagnostic unexpectedCharacter(Token t) {
      String text = t.getText();
      int cp = text.codePointAt(0);
      String shown;
      if (cp > 0x20 && cp < 0x7f) {
        shown = "'" + text + "'";
      } else if (Character.isISOControl(cp) || Character.isSpaceChar(cp) || !Character.isDefined(cp)
          || Character.getType(cp) == Character.FORMAT || Character.isSurrogate(text.charAt(0))) {
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
}
