package dev.kiln.dsl.parse;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.antlr.v4.runtime.Token;

/**
 * Matches the brackets of a token list before parsing, so error messages can tell a bracket that is
 * never closed (say "expected ')' to close ...") from one closed later (say "expected ','"), and so
 * absurd nesting is refused before the recursive-descent parser can overflow the stack.
 */
final class BracketScan {
  /** No partner: an opener never closed or a closer that closes nothing. */
  static final int UNMATCHED = -1;

  private static final int NOT_A_BRACKET = -2;

  private final int[] partner;
  private final int tooDeepAt;
  private final int lastUnmatchedBrace;

  BracketScan(List<Token> tokens, int maxDepth) {
    partner = new int[tokens.size()];
    Arrays.fill(partner, NOT_A_BRACKET);
    int deep = -1;
    Deque<Integer> open = new ArrayDeque<>();
    // How many openers of each kind are open, so a closer knows in O(1) whether anything matches
    // it.
    int parens = 0;
    int bracks = 0;
    int braces = 0;
    for (int i = 0; i < tokens.size(); i++) {
      int type = tokens.get(i).getType();
      if (isOpener(type)) {
        partner[i] = UNMATCHED;
        open.push(i);
        parens += type == KilnLexer.LPAREN ? 1 : 0;
        bracks += type == KilnLexer.LBRACK ? 1 : 0;
        braces += type == KilnLexer.LBRACE ? 1 : 0;
        if (open.size() > maxDepth && deep < 0) {
          deep = i;
        }
      } else if (isCloser(type)) {
        partner[i] = UNMATCHED;
        int wanted = openerOf(type);
        int available =
            wanted == KilnLexer.LPAREN ? parens : wanted == KilnLexer.LBRACK ? bracks : braces;
        // A closer pops through openers of other kinds: `f(a }` leaves the '(' unclosed, not the
        // '{'.
        while (available > 0) {
          int o = open.pop();
          int kind = tokens.get(o).getType();
          parens -= kind == KilnLexer.LPAREN ? 1 : 0;
          bracks -= kind == KilnLexer.LBRACK ? 1 : 0;
          braces -= kind == KilnLexer.LBRACE ? 1 : 0;
          if (kind == wanted) {
            partner[o] = i;
            partner[i] = o;
            break;
          }
        }
      }
    }
    tooDeepAt = deep;
    int last = -1;
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).getType() == KilnLexer.RBRACE && partner[i] == UNMATCHED) {
        last = i;
      }
    }
    lastUnmatchedBrace = last;
  }

  /** The index of the last '}' that closes nothing, or -1. */
  int lastUnmatchedBrace() {
    return lastUnmatchedBrace;
  }

  /** The index of the bracket matching the one at {@code index}, or {@link #UNMATCHED}. */
  int partner(int index) {
    return index >= 0 && index < partner.length ? partner[index] : UNMATCHED;
  }

  /** Whether the bracket at {@code index} has no partner. */
  boolean unmatched(int index) {
    return partner(index) == UNMATCHED;
  }

  /** The index of the first opener nested deeper than the limit, or -1. */
  int tooDeepAt() {
    return tooDeepAt;
  }

  static boolean isOpener(int type) {
    return type == KilnLexer.LPAREN || type == KilnLexer.LBRACK || type == KilnLexer.LBRACE;
  }

  static boolean isCloser(int type) {
    return type == KilnLexer.RPAREN || type == KilnLexer.RBRACK || type == KilnLexer.RBRACE;
  }

  static int openerOf(int closer) {
    return switch (closer) {
      case KilnLexer.RPAREN -> KilnLexer.LPAREN;
      case KilnLexer.RBRACK -> KilnLexer.LBRACK;
      default -> KilnLexer.LBRACE;
    };
  }

  static int closerOf(int opener) {
    return switch (opener) {
      case KilnLexer.LPAREN -> KilnLexer.RPAREN;
      case KilnLexer.LBRACK -> KilnLexer.RBRACK;
      default -> KilnLexer.RBRACE;
    };
  }
}
