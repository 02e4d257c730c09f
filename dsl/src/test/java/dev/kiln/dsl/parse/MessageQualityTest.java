package dev.kiln.dsl.parse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.dsl.diag.Diagnostic;
import dev.kiln.dsl.diag.SourceText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Typos made at random in valid files (a token deleted, inserted or replaced): every resulting message
 * must be in plain words, never ANTLR's vocabulary, and follow the cascade rules.
 */
class MessageQualityTest {
  private static final Pattern TOKEN = Pattern.compile(
      "\"[^\"\\n]*\"|[A-Za-z_][A-Za-z_0-9]*|[0-9]+(\\.[0-9]+)?|\\.\\.<|\\.\\.=|\\.\\.|\\*\\*|==|!=|<=|>=|&&|\\|\\||\\S");
  private static final String[] TYPOS = {
    "(", ")", "{", "}", "[", "]", ",", "=", "==", "+", "x", "model", "for", "in", "..<", ":", "^",
    ".", "1", "\"s", "if", "else", "return", ";", "@"
  };
  /** What ANTLR would say, and the grammar's own names, which users must never see. */
  private static final List<String> JARGON = List.of(
      "mismatched input",
      "expecting",
      "extraneous",
      "no viable alternative",
      "<EOF>",
      "<missing",
      "token recognition",
      "INT_LIT",
      "FLOAT_LIT",
      "NAME",
      "RPAREN",
      "LBRACE",
      "RBRACK",
      "EOF",
      "stmt",
      "expr",
      "primary",
      "topLevel",
      "paramList",
      "inputStmt",
      "letStmt");
  /** ANTLR's token sets, as in {@code expecting {')', ','}}. */
  private static final Pattern TOKEN_SET = Pattern.compile("\\{'[^']+', '");

  @Test
  void randomTyposGetPlainWordMessages() throws IOException {
    Random random = new Random(2024);
    int withErrors = 0;
    for (String name : List.of(
        "tiny_gpt.model",
        "precedence.model",
        "if_else.model",
        "params_and_args.model",
        "inputs.model",
        "postfix_and_calls.model")) {
      String base = Files.readString(Path.of("src", "test", "resources", "golden", name));
      List<int[]> tokens = new ArrayList<>();
      Matcher m = TOKEN.matcher(base);
      while (m.find()) {
        tokens.add(new int[] {m.start(), m.end()});
      }
      for (int i = 0; i < 400; i++) {
        int[] t = tokens.get(random.nextInt(tokens.size()));
        String typo = TYPOS[random.nextInt(TYPOS.length)];
        String text =
            switch (random.nextInt(3)) {
              case 0 -> base.substring(0, t[0]) + base.substring(t[1]);
              case 1 -> base.substring(0, t[0]) + typo + " " + base.substring(t[0]);
              default -> base.substring(0, t[0]) + typo + base.substring(t[1]);
            };
        withErrors += check(text) ? 1 : 0;
      }
    }
    assertTrue(withErrors > 1000, "most typos are syntax errors: " + withErrors);
  }

  /** Checks the messages for {@code text}; returns whether there were any. */
  private static boolean check(String text) {
    SourceText source = new SourceText("typo.model", text);
    ParseResult result = ModelParser.parse(source);
    Set<Integer> lines = new HashSet<>();
    for (Diagnostic d : result.diagnostics()) {
      String all = d.message() + " " + (d.hint() == null ? "" : d.hint());
      for (String word : JARGON) {
        // Whole words only: "expr" is jargon, "expression" is not.
        boolean found = Pattern.compile("(?<![A-Za-z])" + Pattern.quote(word) + "(?![A-Za-z])")
            .matcher(all)
            .find();
        assertFalse(found, () -> "'" + word + "' in: " + d + "\n" + text);
      }
      assertFalse(TOKEN_SET.matcher(all).find(), () -> "a token set in: " + d + "\n" + text);
      assertFalse(d.code().equals(SyntaxMessage.INTERNAL_ERROR.code()), () -> d + "\n" + text);
      assertTrue(
          lines.add(d.span().line()),
          () -> "two errors on one line: " + result.diagnostics() + "\n" + text);
      assertTrue(
          d.span().column() >= 1
              && d.span().column() <= source.line(d.span().line()).length() + 1,
          () -> "span outside its line: " + d + "\n" + text);
    }
    return !result.diagnostics().isEmpty();
  }
}
