package dev.kiln.runtime.tokenize;

/**
 * Token ids of a BERT input with special tokens in place, and the segment (token type) of each:
 * 0 for {@code [CLS]}, the first text and its {@code [SEP]}, 1 for the second text and its {@code [SEP]}.
 */
public record SegmentedIds(int[] ids, int[] segmentIds) {
  public SegmentedIds {
    if (ids.length != segmentIds.length) {
      throw new IllegalArgumentException(
          ids.length + " ids but " + segmentIds.length + " segment ids");
    }
  }

  /** The number of tokens. */
  public int length() {
    return ids.length;
  }
}
