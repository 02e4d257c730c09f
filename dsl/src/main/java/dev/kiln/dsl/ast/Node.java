package dev.kiln.dsl.ast;

/** Every AST node knows where it came from. */
public sealed interface Node permits CompilationUnit, Decl, Stmt, Expr, Arg, Param, Dim {
  Span span();
}
