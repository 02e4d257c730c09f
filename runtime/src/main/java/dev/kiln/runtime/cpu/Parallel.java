package dev.kiln.runtime.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool of daemon worker threads, sized to the machine, that runs data-parallel loops for
 * the CPU kernels.
 *
 * <p>One loop runs on the pool at a time; the calling thread takes chunks too. Workers spin briefly
 * before parking because kernels are issued back to back by generated model code, and waking a parked
 * thread costs more than most kernels. A call from inside a running loop body, or from a second thread
 * while the pool is busy, runs inline on its own thread: that can never deadlock, and on a machine this
 * size there are no idle cores to give it anyway.
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

  private static final Worker[] WORKERS = startWorkers();

  /** The latest loop published to the workers; workers run each published job at most once. */
  private static volatile Job current;

  /** The number of threads a parallel loop uses, the caller included. */
  public static int threads() {
    return THREADS;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into chunks of at least {@code grain} indices, on the
   * pool and the calling thread, and returns when every chunk is done. The first exception thrown by
   * any chunk is rethrown here (after all chunks have finished or been skipped).
   */
  public static void forRange(int n, int grain, RangeBody body) {
    if (n <= 0) {
      return;
    }
    int g = Math.max(1, grain);
    int chunks = Math.min(n / g, THREADS * CHUNKS_PER_THREAD);
    if (chunks <= 1 || THREADS == 1 || Thread.currentThread() instanceof Worker) {
      body.run(0, n);
      return;
    }
    if (OWNER.isHeldByCurrentThread() || !OWNER.tryLock()) {
      body.run(0, n);
      return;
    }
    try {
      Job job = new Job(n, chunks, body, Thread.currentThread());
      current = job;
      for (Worker w : WORKERS) {
        if (w.parked) {
          LockSupport.unpark(w);
        }
      }
      job.work();
      job.awaitDone();
      job.rethrow();
    } finally {
      OWNER.unlock();
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

  /** One parallel loop: chunks are claimed from a shared counter, so no per-chunk objects exist. */
  private static final class Job {
    private static final VarHandle NEXT;
    private static final VarHandle DONE;
    private static final VarHandle FAILURE;

    static {
      try {
        MethodHandles.Lookup l = MethodHandles.lookup();
        NEXT = l.findVarHandle(Job.class, "next", int.class);
        DONE = l.findVarHandle(Job.class, "done", int.class);
        FAILURE = l.findVarHandle(Job.class, "failure", Throwable.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final int n;
    private final int chunks;
    private final RangeBody body;
    private final Thread caller;

    @SuppressWarnings("unused") // accessed through NEXT
    private volatile int next;

    private volatile int done;
    private volatile Throwable failure;
    private volatile boolean callerParked;

    Job(int n, int chunks, RangeBody body, Thread caller) {
      this.n = n;
      this.chunks = chunks;
      this.body = body;
      this.caller = caller;
    }

    /** Claims and runs chunks until none are left. */
    void work() {
      int c;
      while ((c = (int) NEXT.getAndAdd(this, 1)) < chunks) {
        if (failure == null) {
          int from = (int) ((long) c * n / chunks);
          int to = (int) ((long) (c + 1) * n / chunks);
          try {
            body.run(from, to);
          } catch (Throwable t) {
            FAILURE.compareAndSet(this, (Throwable) null, t);
          }
        }
        if ((int) DONE.getAndAdd(this, 1) + 1 == chunks && callerParked) {
          LockSupport.unpark(caller);
        }
      }
    }

    void awaitDone() {
      long deadline = System.nanoTime() + SPIN_NANOS;
      while (done < chunks && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      while (done < chunks) {
        callerParked = true;
        if (done < chunks) {
          LockSupport.park(this);
        }
        callerParked = false;
      }
    }

    void rethrow() {
      Throwable t = failure;
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
  }

  /** A pool thread: waits (spin, then park) for a new job, helps run it, repeats. */
  private static final class Worker extends Thread {
    volatile boolean parked;

    Worker(int index) {
      super("kiln-cpu-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      Job last = null;
      while (true) {
        Job job = current;
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (job == last && System.nanoTime() < deadline) {
          Thread.onSpinWait();
          job = current;
        }
        while (job == last) {
          parked = true;
          job = current;
          if (job == last) {
            LockSupport.park(this);
            job = current;
          }
          parked = false;
        }
        last = job;
        job.work();
      }
    }
  }
}
