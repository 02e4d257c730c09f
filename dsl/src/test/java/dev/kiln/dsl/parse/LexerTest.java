package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.Test;

/** The token rules, where longest match decides between ranges, floats and member access. */
class LexerTest {
  private static List<String> tokens(String text) {
    KilnLexer lexer = new KilnLexer(CharStreams.fromString(text));
    lexer.removeErrorListeners();
    return lexer.getAllTokens().stream()
        .map(t -> KilnLexer.VOCABULARY.getSymbolicName(t.getType()) + ":" + t.getText())
        .toList();
  }

  @Test
  void rangesAreNotFloats() {
    assertEquals(List.of("INT_LIT:0", "RANGE_EXCL:..<", "INT_LIT:4"), tokens("0..<4"));
    assertEquals(List.of("INT_LIT:0", "RANGE_INCL:..=", "NAME:n"), tokens("0..=n"));
    assertEquals(List.of("INT_LIT:1", "RANGE:..", "INT_LIT:2"), tokens("1..2"));
    assertEquals(List.of("FLOAT_LIT:1.5", "RANGE_EXCL:..<", "FLOAT_LIT:2.5"), tokens("1.5..<2.5"));
  }

  @Test
  void floats() {
    assertEquals(
        List.of("FLOAT_LIT:0.1", "FLOAT_LIT:1e-5", "FLOAT_LIT:1.0e-12", "FLOAT_LIT:2E+3"),
        tokens("0.1 1e-5 1.0e-12 2E+3"));
    // "3." is an integer followed by a dot, never a float.
    assertEquals(List.of("INT_LIT:3", "DOT:."), tokens("3."));
    assertEquals(List.of("INT_LIT:3", "DOT:.", "NAME:x"), tokens("3.x"));
    assertEquals(List.of("INT_LIT:1", "NAME:e"), tokens("1e"));
  }

  @Test
  void operatorsTakeTheLongestMatch() {
    assertEquals(
        List.of(
            "POW:**",
            "STAR:*",
            "LE:<=",
            "LT:<",
            "EQ:==",
            "ASSIGN:=",
            "ANDAND:&&",
            "AMP:&",
            "OROR:||",
            "PIPE:|",
            "NE:!=",
            "BANG:!",
            "GE:>=",
            "GT:>"),
        tokens("** * <= < == = && & || | != ! >= >"));
    assertEquals(List.of("NAME:w", "CARET:^", "NAME:T"), tokens("w^T"));
  }

  @Test
  void keywordsAndOrdinaryIdentifiers() {
    assertEquals(
        List.of(
            "MODEL:model",
            "BLOCK:block",
            "IMPORT:import",
            "INPUT:input",
            "OUTPUT:output",
            "FOR:for",
            "IN:in",
            "IF:if",
            "ELSE:else",
            "RETURN:return",
            "INT_KW:int",
            "FLOAT_KW:float",
            "TRUE:true",
            "FALSE:false"),
        tokens("model block import input output for in if else return int float true false"));
    assertEquals(
        List.of(
            "NAME:T",
            "NAME:B",
            "NAME:causal",
            "NAME:band",
            "NAME:full",
            "NAME:padding",
            "NAME:models",
            "NAME:_x1",
            "NAME:inputs"),
        tokens("T B causal band full padding models _x1 inputs"));
  }

  @Test
  void commentsAndStrings() {
    assertEquals(
        List.of("NAME:a", "NAME:b", "NAME:c", "NAME:d"),
        tokens("a # one\nb // two\nc /* three\n */ d"));
    assertEquals(List.of("STRING:\"a \\\" b\""), tokens("\"a \\\" b\""));
    assertEquals(List.of("UNTERMINATED_STRING:\"abc", "NAME:x"), tokens("\"abc\nx"));
    assertEquals(List.of("NAME:x", "UNTERMINATED_COMMENT:/* abc *"), tokens("x /* abc *"));
    assertEquals(List.of("ERROR_CHAR:@", "ERROR_CHAR:$"), tokens("@$"));
    assertEquals(
        Token.EOF, new KilnLexer(CharStreams.fromString("")).nextToken().getType());
  }
}
