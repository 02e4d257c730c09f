package dev.kiln.runtime.data;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * GPT-1's task-specific input transformations (Radford et al. 2018, §3.3): every task becomes one or
 * more token sequences framed by a start token, a delimiter between the parts and an extract token
 * at the end, whose final hidden state feeds the classifier.
 *
 * <ul>
 *   <li>classification: {@code <s> text <e>}
 *   <li>entailment: {@code <s> premise <$> hypothesis <e>}
 *   <li>similarity: both orders, {@code <s> a <$> b <e>} and {@code <s> b <$> a <e>} (the paper sums
 *       the two final states)
 *   <li>multiple choice: {@code <s> context <$> answer_k <e>} for each answer (a softmax over k)
 * </ul>
 *
 * <p>Parts too long for {@code maxLen} are cut from their end, the longest part first. {@link #batch}
 * right-aligns the sequences (padding on the left) so the extract token is always the last position,
 * where the stdlib's {@code Gpt1Classifier} reads it, and builds the auxiliary language-modelling
 * targets: the next token, {@code -100} (ignored) on padding and at the extract token.
 */
public final class TaskInputs {
  /** The added tokens' ids, and the id that fills padding. */
  public record Special(int start, int delimiter, int extract, int pad) {}

  private final Special special;
  private final int maxLen;

  public TaskInputs(Special special, int maxLen) {
    if (maxLen < 3) {
      throw new IllegalArgumentException(
          "maxLen must leave room for start, delimiter and extract, got " + maxLen);
    }
    this.special = special;
    this.maxLen = maxLen;
  }

  public int[] classification(int[] text) {
    return frame(text);
  }

  public int[] entailment(int[] premise, int[] hypothesis) {
    return frame(premise, hypothesis);
  }

  /** Both orderings of the pair. */
  public int[][] similarity(int[] a, int[] b) {
    return new int[][] {frame(a, b), frame(b, a)};
  }

  /** One sequence per answer. */
  public int[][] multipleChoice(int[] context, List<int[]> answers) {
    int[][] out = new int[answers.size()][];
    for (int k = 0; k < out.length; k++) {
      out[k] = frame(context, answers.get(k));
    }
    return out;
  }

  /** {@code <s> part0 <$> part1 ... <e>}, parts cut (longest first) to fit {@code maxLen}. */
  private int[] frame(int[]... parts) {
    int[] lengths = new int[parts.length];
    int total = 0;
    for (int i = 0; i < parts.length; i++) {
      lengths[i] = parts[i].length;
      total += lengths[i];
    }
    int room = maxLen - 2 - (parts.length - 1);
    if (room < parts.length) {
      throw new KilnException("maxLen " + maxLen + " is too short for " + parts.length + " parts");
    }
    while (total > room) {
      int longest = 0;
      for (int i = 1; i < parts.length; i++) {
        if (lengths[i] > lengths[longest]) {
          longest = i;
        }
      }
      lengths[longest]--;
      total--;
    }
    int[] out = new int[total + 2 + parts.length - 1];
    int at = 0;
    out[at++] = special.start();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out[at++] = special.delimiter();
      }
      System.arraycopy(parts[i], 0, out, at, lengths[i]);
      at += lengths[i];
    }
    out[at] = special.extract();
    return out;
  }

  /**
   * A batch for {@code Gpt1Classifier}: {@code tokens} [B, T] right-aligned, {@code targets} [B, T]
   * (next token; -100 on padding and at the extract token), {@code labels} [B].
   */
  public Map<String, Tensor> batch(List<int[]> sequences, int[] labels, int t) {
    if (sequences.size() != labels.length) {
      throw new IllegalArgumentException(
          sequences.size() + " sequences but " + labels.length + " labels");
    }
    int b = sequences.size();
    int[] tokens = new int[b * t];
    int[] targets = new int[b * t];
    Arrays.fill(tokens, special.pad());
    Arrays.fill(targets, -100);
    for (int i = 0; i < b; i++) {
      int[] s = sequences.get(i);
      if (s.length > t) {
        throw new KilnException("a sequence of " + s.length + " tokens does not fit T = " + t);
      }
      int offset = i * t + t - s.length;
      System.arraycopy(s, 0, tokens, offset, s.length);
      System.arraycopy(s, 1, targets, offset, s.length - 1);
    }
    return Map.of(
        "tokens", new Tensor.I32(new int[] {b, t}, tokens),
        "targets", new Tensor.I32(new int[] {b, t}, targets),
        "labels", new Tensor.I32(new int[] {b}, labels.clone()));
  }
}
