package dev.kiln.runtime.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool of daemon worker threads, sized to the machine, that runs data-parallel loops for
 * the CPU kernels.
 *
 * <p>One loop runs on the pool at a time, and the calling thread takes chunks too. The loop's
 * description lives in static fields that are reused from loop to loop, so starting one allocates
 * nothing but the caller's lambda. Chunks are claimed by a compare-and-set on one 64-bit word holding
 * the loop's generation (high half) and the next chunk (low half): a worker that wakes late, still
 * holding an old generation, fails the compare and can never run a chunk of a newer loop with stale
 * parameters.
 *
 * <p>Waiting threads spin briefly before parking because kernels are issued back to back by generated
 * model code, and waking a parked thread costs more than many kernels. A call from inside a running
 * loop body, or from a second thread while the pool is busy, runs inline on its own thread: that can
 * never deadlock, and on a machine this size there are no idle cores to give it anyway.
 *
 * <p>The pool size is {@code Runtime.availableProcessors()}, overridable with the system property
 * {@code kiln.threads} (read once, at first use).
 */
public final class Parallel {
  private Parallel() {}

  /** The body of a parallel loop: processes the indices {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  /** Chunks per thread: a few, so that a thread slowed by something else does not hold up the loop. */
  private static final int CHUNKS_PER_THREAD = 4;

  /** How long a waiting thread busy-waits before parking, in nanoseconds. */
  private static final long SPIN_NANOS = 50_000;

  private static final int THREADS =
      Math.max(1, Integer.getInteger("kiln.threads", Runtime.getRuntime().availableProcessors()));

  /** Held by the thread whose loop is on the pool; re-entry by that thread means a nested call. */
  private static final ReentrantLock OWNER = new ReentrantLock();

  private static final VarHandle STATE;
  private static final VarHandle DONE;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findStaticVarHandle(Parallel.class, "state", long.class);
      DONE = l.findStaticVarHandle(Parallel.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // The current loop. Plain fields are written by the owner before it publishes a new generation in
  // `state` (a volatile write), and read by workers only after they have seen that generation.
  private static int loopN;
  private static RangeBody loopBody;
  private static Thread loopCaller;

  /** Generation (high 32 bits), chunk count (bits 16-31) and next unclaimed chunk (low 16 bits). */
  private static volatile long state;

  /** Chunks finished (or skipped after a failure) in the current generation. */
  private static volatile int done;

  /** The first exception of the current loop (a holder, as Throwables should not sit in static fields). */
  private static final AtomicReference<Throwable> FAILURE = new AtomicReference<>();

  private static volatile boolean callerParked;

  private static final Worker[] WORKERS = startWorkers();

  /** The number of threads a parallel loop uses, the caller included. */
  public static int threads() {
    return THREADS;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into chunks of at least {@code grain} indices, on the
   * pool and the calling thread, and returns when every chunk is done. The first exception thrown by
   * any chunk is rethrown here, after the other chunks have finished (chunks not yet started when it
   * was thrown are skipped).
   */
  public static void forRange(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int chunks = Math.min(n / Math.max(1, grain), Math.min(THREADS * CHUNKS_PER_THREAD, 0xFFFF));
    if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof Worker) {
      body.run(0, n);
      return;
    }
    if (OWNER.isHeldByCurrentThread() || !OWNER.tryLock()) {
      body.run(0, n);
      return;
    }
    try {
      loopN = n;
      loopBody = body;
      loopCaller = Thread.currentThread();
      done = 0;
      FAILURE.set(null);
      long generation = (state >>> 32) + 1;
      state = generation << 32 | (long) chunks << 16; // publishes the fields above
      for (Worker w : WORKERS) {
        if (w.parked) {
          LockSupport.unpark(w);
        }
      }
      work(generation);
      awaitDone(chunks);
      loopBody = null; // do not keep the caller's data reachable
      rethrow(FAILURE.getAndSet(null));
    } finally {
      OWNER.unlock();
    }
  }

  /** Claims and runs chunks of loop {@code generation} until none are left (or a newer loop began). */
  private static void work(long generation) {
    while (true) {
      long s = state;
      if ((s >>> 32) != generation) {
        return;
      }
      int chunk = (int) s & 0xFFFF;
      int chunks = (int) (s >>> 16) & 0xFFFF;
      if (chunk >= chunks) {
        return;
      }
      if (!STATE.compareAndSet(s, s + 1)) {
        continue;
      }
      // The claim succeeded, so this generation cannot finish (and its fields cannot change) before
      // this chunk is counted as done.
      if (FAILURE.get() == null) {
        int n = loopN;
        try {
          loopBody.run((int) ((long) chunk * n / chunks), (int) ((long) (chunk + 1) * n / chunks));
        } catch (Throwable t) {
          FAILURE.compareAndSet(null, t);
        }
      }
      Thread caller = loopCaller;
      if ((int) DONE.getAndAdd(1) + 1 == chunks && callerParked) {
        LockSupport.unpark(caller);
      }
    }
  }

  private static void awaitDone(int chunks) {
    long deadline = System.nanoTime() + SPIN_NANOS;
    while (done < chunks && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    while (done < chunks) {
      callerParked = true;
      if (done < chunks) {
        LockSupport.park(Parallel.class);
      }
      callerParked = false;
    }
  }

  private static void rethrow(Throwable t) {
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    if (t != null) {
      throw new IllegalStateException("parallel loop body failed", t);
    }
  }

  private static Worker[] startWorkers() {
    Worker[] workers = new Worker[THREADS - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i + 1);
      workers[i].start();
    }
    return workers;
  }

  /** A pool thread: waits (spin, then park) for a new generation, helps run it, repeats. */
  private static final class Worker extends Thread {
    volatile boolean parked;

    Worker(int index) {
      super("kiln-cpu-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      long seen = 0;
      while (true) {
        long generation = state >>> 32;
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (generation == seen && System.nanoTime() < deadline) {
          Thread.onSpinWait();
          generation = state >>> 32;
        }
        while (generation == seen) {
          parked = true;
          generation = state >>> 32;
          if (generation == seen) {
            LockSupport.park(this);
            generation = state >>> 32;
          }
          parked = false;
        }
        seen = generation;
        work(generation);
      }
    }
  }
}
