package dev.kiln.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.runtime.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskInputsTest {
  private static final TaskInputs.Special S = new TaskInputs.Special(900, 901, 902, 0);

  @Test
  void framesEachTask() {
    TaskInputs in = new TaskInputs(S, 16);
    assertArrayEquals(new int[] {900, 1, 2, 3, 902}, in.classification(new int[] {1, 2, 3}));
    assertArrayEquals(
        new int[] {900, 1, 2, 901, 7, 902}, in.entailment(new int[] {1, 2}, new int[] {7}));
    int[][] sim = in.similarity(new int[] {1}, new int[] {2, 3});
    assertArrayEquals(new int[] {900, 1, 901, 2, 3, 902}, sim[0]);
    assertArrayEquals(new int[] {900, 2, 3, 901, 1, 902}, sim[1]);
    int[][] mc = in.multipleChoice(new int[] {5, 6}, List.of(new int[] {8}, new int[] {9, 9}));
    assertArrayEquals(new int[] {900, 5, 6, 901, 8, 902}, mc[0]);
    assertArrayEquals(new int[] {900, 5, 6, 901, 9, 9, 902}, mc[1]);
  }

  @Test
  void cutsTheLongestPartFirst() {
    TaskInputs in = new TaskInputs(S, 8); // room for 5 content tokens
    int[] out = in.entailment(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7, 8});
    assertArrayEquals(new int[] {900, 1, 2, 3, 901, 7, 8, 902}, out);
    assertEquals(8, in.classification(new int[100]).length);
  }

  @Test
  void batchesRightAlignedWithLmTargets() {
    TaskInputs in = new TaskInputs(S, 8);
    Map<String, Tensor> b = in.batch(
        List.of(in.classification(new int[] {1, 2}), in.classification(new int[] {3, 4, 5, 6})),
        new int[] {1, 0},
        6);
    assertArrayEquals(
        new int[] {0, 0, 900, 1, 2, 902, 900, 3, 4, 5, 6, 902},
        ((Tensor.I32) b.get("tokens")).data());
    assertArrayEquals(
        new int[] {-100, -100, 1, 2, 902, -100, 3, 4, 5, 6, 902, -100},
        ((Tensor.I32) b.get("targets")).data());
    assertArrayEquals(new int[] {1, 0}, ((Tensor.I32) b.get("labels")).data());
  }
}
