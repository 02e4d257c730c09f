package dev.kiln.runtime.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Parallel#forRange}: coverage of the index space, grain, exceptions, nesting and concurrent callers. */
class ParallelTest {
  private static long[] serial(int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = (long) i * i + 7;
    }
    return out;
  }

  @Test
  void coversEveryIndexOnceAndMatchesSerial() {
    for (int n : new int[] {0, 1, 2, 7, 100, 1000, 100_000}) {
      for (int grain : new int[] {1, 3, 64, 1 << 20}) {
        long[] out = new long[n];
        AtomicInteger visits = new AtomicInteger();
        Parallel.forRange(n, grain, (from, to) -> {
          for (int i = from; i < to; i++) {
            out[i] = (long) i * i + 7;
            visits.incrementAndGet();
          }
        });
        assertArrayEquals(serial(n), out, "n=" + n + " grain=" + grain);
        assertEquals(n, visits.get());
      }
    }
  }

  @Test
  void chunksRespectTheGrain() {
    ConcurrentLinkedQueue<int[]> chunks = new ConcurrentLinkedQueue<>();
    Parallel.forRange(1000, 100, (from, to) -> chunks.add(new int[] {from, to}));
    int covered = 0;
    for (int[] c : chunks) {
      assertTrue(c[1] - c[0] >= 100, "chunk " + c[0] + ".." + c[1] + " is below the grain");
      covered += c[1] - c[0];
    }
    assertEquals(1000, covered);
  }

  @Test
  void rethrowsTheBodysException() {
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown = assertThrows(
        IllegalStateException.class,
        () -> Parallel.forRange(1000, 1, (from, to) -> {
          if (from <= 500 && 500 < to) {
            throw boom;
          }
        }));
    assertSame(boom, thrown);
    AssertionError error = assertThrows(
        AssertionError.class,
        () -> Parallel.forRange(64, 1, (from, to) -> {
          throw new AssertionError("every chunk fails");
        }));
    assertEquals("every chunk fails", error.getMessage());
    // The pool is still usable afterwards.
    long[] out = new long[10_000];
    Parallel.forRange(out.length, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        out[i] = (long) i * i + 7;
      }
    });
    assertArrayEquals(serial(out.length), out);
  }

  @Test
  void nestedCallsRunInline() {
    int n = 64;
    int m = 500;
    long[][] out = new long[n][m];
    Parallel.forRange(n, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        int row = i;
        Parallel.forRange(m, 1, (f2, t2) -> {
          for (int j = f2; j < t2; j++) {
            out[row][j] = (long) row * m + j;
          }
        });
      }
    });
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        assertEquals((long) i * m + j, out[i][j]);
      }
    }
  }

  @Test
  void concurrentCallersAllComplete() throws InterruptedException {
    int callers = 4;
    int n = 20_000;
    long[][] out = new long[callers][n];
    List<Thread> threads = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    for (int c = 0; c < callers; c++) {
      long[] mine = out[c];
      Thread t = new Thread(() -> {
        try {
          for (int rep = 0; rep < 50; rep++) {
            Parallel.forRange(n, 16, (from, to) -> {
              for (int i = from; i < to; i++) {
                mine[i] += i;
              }
            });
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertTrue(failures.isEmpty(), () -> "failures: " + failures);
    for (long[] mine : out) {
      for (int i = 0; i < n; i++) {
        assertEquals(50L * i, mine[i]);
      }
    }
  }

  @Test
  void manyBackToBackLoops() {
    // Exercises the spin/park hand-off and the reuse of the loop's fields many times, with a
    // different size, grain (so a different chunk count) and body each time: a lost wake-up would
    // hang; a worker late from one loop that measured its chunk against the next loop's count would
    // run a chunk twice, run a cleared body, or miscount the chunks done.
    int[] out = new int[200];
    int[] visits = new int[200];
    for (int rep = 1; rep <= 50_000; rep++) {
      int n = 8 + rep % 150;
      int grain = 1 + rep % 23;
      int tag = rep;
      Parallel.forRange(n, grain, (from, to) -> {
        for (int i = from; i < to; i++) {
          out[i] = tag;
          visits[i]++;
        }
      });
      for (int i = 0; i < n; i++) {
        if (out[i] != rep || visits[i] != 1) {
          assertEquals(rep, out[i], "loop " + rep + " index " + i);
          assertEquals(1, visits[i], "loop " + rep + " index " + i + " visits");
        }
        visits[i] = 0;
      }
    }
  }

  @Test
  void wakesParkedWorkers() throws InterruptedException {
    // Idle pauses let the workers park; each loop must still complete with every chunk done.
    for (int rep = 0; rep < 20; rep++) {
      Thread.sleep(2);
      long[] out = new long[1000];
      Parallel.forRange(out.length, 1, (from, to) -> {
        for (int i = from; i < to; i++) {
          out[i] = (long) i * i + 7;
        }
      });
      assertArrayEquals(serial(out.length), out);
    }
  }
}
