package dev.kiln.dsl.parse;

import dev.kiln.dsl.ast.CompilationUnit;
import dev.kiln.dsl.ast.Span;
import dev.kiln.dsl.diag.SourceText;
import java.util.Objects;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;

/** The {@code .model} front end: source text in, AST and syntax diagnostics out; never throws. */
public final class ModelParser {
  /** Brackets nested deeper than this are refused before parsing. */
  static final int MAX_BRACKET_DEPTH = 200;

  private ModelParser() {}

  /** Parses one file; the source's name becomes the {@code file} of every span. */
  public static ParseResult parse(SourceText source) {
    Objects.requireNonNull(source, "source");
    SyntaxErrorReporter reporter = new SyntaxErrorReporter();
    try {
      return parse(source, reporter);
    } catch (StackOverflowError e) {
      // A last resort, should the depth limits not suffice on a thread with a very small stack.
      reporter.report(
          SyntaxMessage.TOO_COMPLEX.at(Span.of(source.name(), 1, 1, 1), DepthLimit.MAX_TREE_DEPTH));
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

    TokenView view = new TokenView(source.name(), tokens);
    BracketScan brackets = new BracketScan(tokens.getTokens(), MAX_BRACKET_DEPTH);
    reporter.attach(view, brackets);
    if (brackets.tooDeepAt() >= 0) {
      reporter.report(SyntaxMessage.NESTING_TOO_DEEP.at(
          view.span(tokens.get(brackets.tooDeepAt())), MAX_BRACKET_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }

    KilnParser parser = new KilnParser(tokens);
    parser.removeErrorListeners();
    parser.setErrorHandler(new KilnErrorStrategy(reporter, view, brackets));
    parser.addParseListener(new DepthLimit.DepthGuard());
    KilnParser.FileContext tree;
    try {
      tree = parser.file();
    } catch (DepthLimit.TooDeep e) {
      reporter.report(SyntaxMessage.TOO_COMPLEX.at(view.span(e.at), DepthLimit.MAX_TREE_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }
    Token tooDeep = DepthLimit.deepestBeyondLimit(tree);
    if (tooDeep != null) {
      reporter.report(SyntaxMessage.TOO_COMPLEX.at(view.span(tooDeep), DepthLimit.MAX_TREE_DEPTH));
      return new ParseResult(null, reporter.diagnostics());
    }
    CompilationUnit unit =
        new AstBuilder(source.name(), reporter, lexical.unterminatedStrings).build(tree);
    return new ParseResult(unit, reporter.diagnostics());
  }
}
