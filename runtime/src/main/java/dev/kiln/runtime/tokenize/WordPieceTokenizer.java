package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.KilnException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * BERT's uncased WordPiece tokenizer, giving the same ids as HF tokenizers' {@code BertNormalizer},
 * {@code BertPreTokenizer} and {@code WordPiece} model over a {@code vocab.txt}; safe to share between threads.
 */
public final class WordPieceTokenizer implements Tokenizer {
  /** Words longer than this many code points become {@code [UNK]} whole, as in BERT. */
  public static final int MAX_WORD_CHARS = 100;

  private static final String[] SPECIALS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  private static final String CONTINUATION = "##";

  private final String[] tokens;
  private final Map<String, Integer> ids;
  private final int pad;
  private final int unk;
  private final int cls;
  private final int sep;
  private final int mask;

  private WordPieceTokenizer(String[] tokens, String name) {
    this.tokens = tokens;
    this.ids = new HashMap<>(tokens.length * 2);
    for (int id = 0; id < tokens.length; id++) {
      // A repeated line takes its last id, as both BERT's load_vocab and HF's reader do.
      ids.put(tokens[id], id);
    }
    List<String> missing = new ArrayList<>();
    for (String special : SPECIALS) {
      if (!ids.containsKey(special)) {
        missing.add(special);
      }
    }
    if (!missing.isEmpty()) {
      throw new KilnException(name + ": missing special token" + (missing.size() > 1 ? "s " : " ")
          + String.join(", ", missing)
          + " (a BERT vocabulary has [PAD], [UNK], [CLS], [SEP] and [MASK])");
    }
    this.pad = ids.get("[PAD]");
    this.unk = ids.get("[UNK]");
    this.cls = ids.get("[CLS]");
    this.sep = ids.get("[SEP]");
    this.mask = ids.get("[MASK]");
  }

  /** Loads a {@code vocab.txt}: one token per line, the id being the line number from 0; closes the stream. */
  public static WordPieceTokenizer load(InputStream vocabTxt) {
    return parse(VocabFiles.readAll(vocabTxt, "vocab.txt"), "vocab.txt");
  }

  /** Loads the {@code vocab.txt} at {@code vocabTxt}. */
  public static WordPieceTokenizer load(Path vocabTxt) {
    if (Files.isDirectory(vocabTxt)) {
      throw new KilnException(vocabTxt + " is a directory; expected the vocab.txt file itself");
    }
    return parse(VocabFiles.readAll(vocabTxt, "a WordPiece vocabulary"), vocabTxt.toString());
  }

  private static WordPieceTokenizer parse(byte[] bytes, String name) {
    String[] lines = VocabFiles.lines(VocabFiles.utf8(bytes, name));
    if (lines.length == 0) {
      throw new KilnException(name + ": empty vocabulary");
    }
    for (int i = 0; i < lines.length; i++) {
      // HF trims trailing whitespace from each line; no real vocabulary ends a token in one.
      lines[i] = lines[i].stripTrailing();
    }
    return new WordPieceTokenizer(lines, name);
  }

  /**
   * The ids of {@code text} without {@code [CLS]}/{@code [SEP]}. The five special tokens written
   * literally in the text (such as {@code [MASK]}) map to their ids, as in HF, where they are
   * "added tokens" matched before normalization.
   */
  @Override
  public int[] encode(String text) {
    IntArray out = new IntArray(text.length() / 4);
    int[] next = new int[SPECIALS.length];
    for (int k = 0; k < SPECIALS.length; k++) {
      next[k] = text.indexOf(SPECIALS[k]);
    }
    int from = 0;
    while (true) {
      int first = -1;
      for (int k = 0; k < SPECIALS.length; k++) {
        if (next[k] >= 0 && next[k] < from) {
          next[k] = text.indexOf(SPECIALS[k], from); // overlapped by a match just taken
        }
        if (next[k] >= 0 && (first < 0 || next[k] < next[first])) {
          first = k;
        }
      }
      int end = first < 0 ? text.length() : next[first];
      for (String word : BertBasic.words(text.substring(from, end))) {
        wordPiece(word, out);
      }
      if (first < 0) {
        return out.toArray();
      }
      out.add(ids.get(SPECIALS[first]));
      from = end + SPECIALS[first].length();
    }
  }

  /** Greedy longest-match-first split of one word into vocabulary pieces, or [UNK] for the whole word. */
  private void wordPiece(String word, IntArray out) {
    if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
      out.add(unk);
      return;
    }
    IntArray pieces = new IntArray(4);
    int start = 0;
    while (start < word.length()) {
      int end = word.length();
      Integer found = null;
      while (start < end) {
        String sub = word.substring(start, end);
        found = ids.get(start > 0 ? CONTINUATION + sub : sub);
        if (found != null) {
          break;
        }
        end = word.offsetByCodePoints(end, -1);
      }
      if (found == null) {
        out.add(unk);
        return;
      }
      pieces.add(found);
      start = end;
    }
    out.addAll(pieces.toArray());
  }

  /** {@code [CLS] text [SEP]}, the text's tokens cut to fit in {@code maxLen} ids. */
  public SegmentedIds encodeSingle(String text, int maxLen) {
    if (maxLen < 2) {
      throw new IllegalArgumentException(
          "maxLen must leave room for [CLS] and [SEP], got " + maxLen);
    }
    int[] a = encode(text);
    a = Arrays.copyOf(a, Math.min(a.length, maxLen - 2));
    return assemble(a, null);
  }

  /**
   * {@code [CLS] a [SEP] b [SEP]} with segment ids, cut to {@code maxLen} ids by HF's
   * "longest first" rule: the shorter text is kept whole if the longer can absorb the cut,
   * otherwise both get half the room, the odd one going to the longer (to {@code b} on a tie).
   */
  public SegmentedIds encodePair(String a, String b, int maxLen) {
    if (maxLen < 3) {
      throw new IllegalArgumentException(
          "maxLen must leave room for [CLS] and two [SEP], got " + maxLen);
    }
    int[] first = encode(a);
    int[] second = encode(b);
    int room = maxLen - 3;
    if (first.length + second.length > room) {
      boolean firstLonger = first.length > second.length;
      int shorter = Math.min(first.length, second.length);
      int longer = Math.max(shorter, room - shorter);
      if (shorter + longer > room) {
        shorter = room / 2;
        longer = shorter + room % 2;
      }
      first = Arrays.copyOf(first, Math.min(first.length, firstLonger ? longer : shorter));
      second = Arrays.copyOf(second, Math.min(second.length, firstLonger ? shorter : longer));
    }
    return assemble(first, second);
  }

  private SegmentedIds assemble(int[] a, int[] b) {
    int n = 2 + a.length + (b == null ? 0 : b.length + 1);
    int[] ids = new int[n];
    int[] segments = new int[n];
    ids[0] = cls;
    System.arraycopy(a, 0, ids, 1, a.length);
    ids[a.length + 1] = sep;
    if (b != null) {
      System.arraycopy(b, 0, ids, a.length + 2, b.length);
      ids[n - 1] = sep;
      Arrays.fill(segments, a.length + 2, n, 1);
    }
    return new SegmentedIds(ids, segments);
  }

  /**
   * The tokens of {@code ids} joined by spaces, each {@code ##} piece glued to the one before;
   * special tokens are kept, and the text stays lowercased and unaccented.
   */
  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      String t = token(ids[i]);
      if (i > 0 && t.startsWith(CONTINUATION)) {
        sb.append(t, CONTINUATION.length(), t.length());
      } else {
        sb.append(i > 0 ? " " : "").append(t);
      }
    }
    return sb.toString();
  }

  /** The vocabulary spelling of token {@code id}. */
  public String token(int id) {
    if (id < 0 || id >= tokens.length) {
      throw new KilnException(
          "token id " + id + " is not in the WordPiece vocabulary [0, " + tokens.length + ")");
    }
    return tokens[id];
  }

  @Override
  public int vocabSize() {
    return tokens.length;
  }

  @Override
  public String name() {
    return "bert-wordpiece";
  }

  @Override
  public OptionalInt tokenId(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The id of {@code [PAD]}. */
  public int padId() {
    return pad;
  }

  /** The id of {@code [UNK]}. */
  public int unkId() {
    return unk;
  }

  /** The id of {@code [CLS]}. */
  public int clsId() {
    return cls;
  }

  /** The id of {@code [SEP]}. */
  public int sepId() {
    return sep;
  }

  /** The id of {@code [MASK]}. */
  public int maskId() {
    return mask;
  }

  @Override
  public String toString() {
    return "WordPieceTokenizer[" + tokens.length + " tokens]";
  }
}
