/*
 * The .model language: imports, then models and blocks whose bodies are statements over expressions.
 *
 * Newlines are not significant; a statement may end with an optional ';'. Labels name every token and
 * sub-rule the AST builder reads, so that tokens ANTLR deletes or conjures during error recovery can
 * never shift what the builder sees. Error messages are not produced here: KilnErrorStrategy and
 * SyntaxErrorExplainer turn ANTLR's recovery events into plain-word diagnostics.
 */
grammar Kiln;

// ---------------------------------------------------------------------------------------------- file

// Imports are accepted anywhere at top level so that a late import gets a precise message from the
// AST builder ("imports must come first") instead of a generic syntax error.
file
  : topLevel* EOF
  ;

topLevel
  : importDecl
  | modelDecl
  | blockDecl
  ;

importDecl
  : kw=IMPORT path=STRING SEMI?
  ;

// The parameter list of a model is optional; a block always lists its parameters, maybe none.
modelDecl
  : kw=MODEL name=NAME params=paramList? body
  ;

blockDecl
  : kw=BLOCK name=NAME params=paramList body
  ;

paramList
  : open=LPAREN (param (COMMA param)* COMMA?)? close=RPAREN
  ;

param
  : name=NAME (ASSIGN value=expr)?
  ;

body
  : open=LBRACE stmt* close=RBRACE
  ;

// ------------------------------------------------------------------------------------------ statements

// Every statement starts with a distinct token (a keyword, or a NAME for a binding), so choosing one
// needs a single token of lookahead and errors are reported inside the statement, not before it.
stmt
  : (inputStmt | outputStmt | letStmt | forStmt | ifStmt | returnStmt) SEMI?
  ;

inputStmt
  : kw=INPUT name=NAME COLON type=elemType open=LBRACK dim (COMMA dim)* close=RBRACK
  ;

elemType
  : INT_KW
  | FLOAT_KW
  ;

// `T` alone or `T <= ctx` is a run-time dim (Dim.Named); any other expression is a static size
// (Dim.Sized). The AST builder tells them apart: as a grammar alternative, `NAME ('<=' expr)?` would
// be ambiguous with the expression `NAME` and cost a full-context prediction for every dim.
dim
  : size=expr
  ;

outputStmt
  : kw=OUTPUT name=NAME (ASSIGN value=expr)?
  ;

letStmt
  : name=NAME ASSIGN value=expr
  ;

forStmt
  : kw=FOR var=NAME IN from=expr range=rangeOp to=expr body
  ;

rangeOp
  : RANGE_EXCL
  | RANGE_INCL
  | RANGE
  ;

// `else if` nests the second `if` inside the first one's else branch.
ifStmt
  : kw=IF cond=expr then=body (ELSE (elseIf=ifStmt | otherwise=body))?
  ;

returnStmt
  : kw=RETURN value=expr
  ;

// ----------------------------------------------------------------------------------------- expressions

// Alternatives are listed from the tightest binding to the loosest (ANTLR's precedence climbing).
// Comparisons are non-associative in the language; the grammar parses them left-associative and the
// AST builder rejects a chain with a dedicated message.
expr
  : primary                                                  # primaryExpr
  | target=expr DOT member=NAME                              # memberExpr
  | target=expr caret=CARET t=NAME                           # transposeExpr
  | <assoc=right> left=expr op=POW right=expr                # powExpr
  | op=(MINUS | BANG) operand=expr                           # unaryExpr
  | left=expr op=(STAR | SLASH | PERCENT) right=expr         # mulExpr
  | left=expr op=(PLUS | MINUS) right=expr                   # addExpr
  | left=expr op=(EQ | NE | LT | LE | GT | GE) right=expr    # compareExpr
  | left=expr op=AMP right=expr                              # bitAndExpr
  | left=expr op=PIPE right=expr                             # bitOrExpr
  | left=expr op=ANDAND right=expr                           # andExpr
  | left=expr op=OROR right=expr                             # orExpr
  | <assoc=right> cond=expr QUESTION then=expr COLON otherwise=expr  # conditionalExpr
  ;

primary
  : value=INT_LIT                                            # intLiteral
  | value=FLOAT_LIT                                          # floatLiteral
  | value=(TRUE | FALSE)                                     # boolLiteral
  | value=STRING                                             # stringLiteral
  | callee=NAME open=LPAREN args? close=RPAREN               # call
  | name=NAME                                                # nameRef
  | open=LPAREN inner=expr close=RPAREN                      # paren
  | open=LBRACK expr (COMMA expr)* close=RBRACK              # listLiteral
  ;

args
  : arg (COMMA arg)* COMMA?
  ;

arg
  : (name=NAME ASSIGN)? value=expr
  ;

// --------------------------------------------------------------------------------------------- tokens

IMPORT   : 'import';
MODEL    : 'model';
BLOCK    : 'block';
INPUT    : 'input';
OUTPUT   : 'output';
FOR      : 'for';
IN       : 'in';
IF       : 'if';
ELSE     : 'else';
RETURN   : 'return';
INT_KW   : 'int';
FLOAT_KW : 'float';
TRUE     : 'true';
FALSE    : 'false';

// Longest match makes `0..<4` lex as INT '..<' INT: a FLOAT needs a digit after its '.'.
RANGE_EXCL : '..<';
RANGE_INCL : '..=';
RANGE      : '..';
DOT        : '.';

POW      : '**';
STAR     : '*';
SLASH    : '/';
PERCENT  : '%';
PLUS     : '+';
MINUS    : '-';
EQ       : '==';
NE       : '!=';
LE       : '<=';
GE       : '>=';
LT       : '<';
GT       : '>';
ANDAND   : '&&';
OROR     : '||';
AMP      : '&';
PIPE     : '|';
BANG     : '!';
ASSIGN   : '=';
QUESTION : '?';
COLON    : ':';
SEMI     : ';';
COMMA    : ',';
CARET    : '^';
LPAREN   : '(';
RPAREN   : ')';
LBRACK   : '[';
RBRACK   : ']';
LBRACE   : '{';
RBRACE   : '}';

FLOAT_LIT
  : DIGITS '.' DIGITS EXPONENT?
  | DIGITS EXPONENT
  ;

INT_LIT
  : DIGITS
  ;

NAME
  : [a-zA-Z_] [a-zA-Z_0-9]*
  ;

// Any escape is accepted here; the AST builder reports unknown ones with their exact position.
STRING
  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '"'
  ;

// A string cut off by the end of the line; reported, then handed to the parser as a STRING so that
// one missing quote does not derail the rest of the statement.
UNTERMINATED_STRING
  : '"' (~["\\\r\n] | '\\' ~[\r\n])* '\\'?
  ;

LINE_COMMENT
  : ('#' | '//') ~[\r\n]* -> skip
  ;

BLOCK_COMMENT
  : '/*' .*? '*/' -> skip
  ;

// Cannot contain '*/', so it only ever matches a comment that runs to the end of the file.
UNTERMINATED_COMMENT
  : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF
  ;

// A byte-order mark (files saved by some Windows editors start with one) counts as whitespace.
WS
  : [ \t\r\n\f\uFEFF]+ -> skip
  ;

// Last, so it only matches a character no other rule accepts; reported and dropped before parsing.
ERROR_CHAR
  : .
  ;

fragment DIGITS
  : [0-9]+
  ;

fragment EXPONENT
  : [eE] [+-]? DIGITS
  ;
