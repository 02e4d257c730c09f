package dev.kiln.runtime.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float matrix multiplication: packed, cache-blocked, with a register-tiled Vector API micro-kernel
 * (the GotoBLAS/BLIS scheme), threaded over tiles of C that share each packed block of B.
 *
 * <p>B is copied ("packed") block by block into contiguous panels in the order the micro-kernel reads
 * it, which is also where its transpose is resolved. The micro-kernel reads MR rows of A, each
 * contiguous along K: in place when A is stored M×K (the forward pass's products; copying it only
 * cost time, about 4% on the encoder's shapes), and from packed row-major panels when A is stored
 * K×M or a last panel has fewer than MR rows. Blocking (measured on a 2-core Zen 4 with AVX-512): a
 * {@code KC × NC} block of B (at most 1.5 MiB) streams from L2/L3, each {@code MR × KC} panel of A
 * (9 KiB) stays in L1 while it sweeps the whole B block, and the {@code MR × NR} tile of C (12
 * vectors) lives in registers. Larger MR spills registers under C2 and runs several times slower.
 * KC = 384 rather than the textbook 256: each micro-kernel call then runs 1.5× as long against the
 * same fixed cost (loading and storing its C tile, the loop's start), which measured 2–15% faster on
 * the encoder's and GPT-2's shapes (K = 384 is a single block) and no slower on 2048³.
 */
final class Gemm32 {
  private Gemm32() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  /** Micro-tile: MR rows × NR columns (two vectors). */
  static final int MR = 6;

  static final int NR = 2 * L;
  private static final int KC = 384;
  private static final int MC = 16 * MR;
  private static final int NC = Math.max(NR, 1024 / NR * NR);

  /** Below this many multiply-adds, packing costs more than it saves. */
  private static final long DIRECT_WORK = 48L * 48 * 48;

  /**
   * At most this many rows of C (a decoding step's one token per sequence) run without packing: the
   * product streams B once, so copying B into panels first would double its memory traffic.
   */
  static final int SKINNY_ROWS = 4;

  /**
   * Columns of B per task of a skinny A·B: each row of B is read as runs of this many contiguous
   * floats (2 KiB), long enough for the hardware prefetcher (64-float runs read GPT-2's decoding
   * weights at under half of this machine's memory bandwidth, 512-float runs at 60–75% of it).
   */
  private static final int SKINNY_RUN = 32 * L;

  /**
   * Rows of B per part of a skinny A·B split along K: each part reads one contiguous block of B (the
   * fastest way through memory, about 25% faster than splitting the columns on GPT-2's decoding
   * shapes) into its own partial C, and the partials are added in part order. The parts depend only
   * on K, so the result does not depend on the number of threads.
   */
  private static final int SKINNY_K_PART = 384;

  /** Tasks per thread a threaded product aims for, so that the threads can even out. */
  private static final int TASKS_PER_THREAD = 8;

  /** Below this many multiply-adds, one thread is faster than waking the pool. */
  private static final long PARALLEL_WORK = 64L * 64 * 64;

  /**
   * Per-thread buffers, allocated once per thread at their largest size. {@code ap} and {@code
   * tile} are the thread's own; {@code bp} holds the block of B that a product called on this
   * thread packs, which the pool's threads read while that product runs.
   */
  private static final class Workspace {
    final float[] ap = new float[MC * KC];
    final float[] bp = new float[KC * NC];
    final float[] tile = new float[MR * NR];
    /** Partial products of {@link #skinnySplitK}, grown on demand. */
    float[] partial = new float[0];
  }

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  static void gemm(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate,
      boolean mayThread,
      Epilogue ep) {
    if (M <= 0 || N <= 0) {
      return;
    }
    if (K <= 0) {
      if (!accumulate) {
        for (int i = 0; i < M; i++) {
          java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + N, 0f);
        }
      }
      Epilogue.apply(ep, c, cOff, ldc, 0, M, 0, N);
      return;
    }
    long work = (long) M * N * K;
    if (work < DIRECT_WORK) {
      direct(transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
      Epilogue.apply(ep, c, cOff, ldc, 0, M, 0, N);
      return;
    }
    if (M <= SKINNY_ROWS) {
      if (!transB && mayThread && work >= PARALLEL_WORK && K >= 2 * SKINNY_K_PART) {
        skinnySplitK(transA, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        Epilogue.apply(ep, c, cOff, ldc, 0, M, 0, N);
        return;
      }
      if (mayThread && work >= PARALLEL_WORK) {
        // Chunks of whole column runs, so only the last one has a ragged edge.
        int w = transB ? 4 * L : SKINNY_RUN;
        Parallel.forRange((N + w - 1) / w, 1, (b0, b1) -> {
          int n0 = b0 * w;
          int n1 = Math.min(N, b1 * w);
          skinny(
              transA, transB, M, n0, n1, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
          Epilogue.apply(ep, c, cOff, ldc, 0, M, n0, n1);
        });
      } else {
        skinny(transA, transB, M, 0, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        Epilogue.apply(ep, c, cOff, ldc, 0, M, 0, N);
      }
      return;
    }
    int threads = mayThread && work >= PARALLEL_WORK ? Parallel.threads() : 1;
    blocked(
        transA, transB, M, N, K, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate, ep, threads);
  }

  static void gemmBatched(
      int batch,
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int strideA,
      int lda,
      float[] b,
      int bOff,
      int strideB,
      int ldb,
      float[] c,
      int cOff,
      int strideC,
      int ldc,
      boolean accumulate) {
    long work = (long) M * N * K;
    int threads = Parallel.threads();
    // Whole items per thread when they balance (or are too small to split); otherwise split each
    // item.
    boolean perItem =
        batch >= threads && (batch % threads == 0 || batch >= 4 * threads || work < PARALLEL_WORK);
    if (perItem && (long) batch * work >= PARALLEL_WORK) {
      Parallel.forRange(batch, 1, (from, to) -> {
        for (int i = from; i < to; i++) {
          gemm(
              transA,
              transB,
              M,
              N,
              K,
              a,
              aOff + i * strideA,
              lda,
              b,
              bOff + i * strideB,
              ldb,
              c,
              cOff + i * strideC,
              ldc,
              accumulate,
              false,
              null);
        }
      });
    } else {
      for (int i = 0; i < batch; i++) {
        gemm(
            transA,
            transB,
            M,
            N,
            K,
            a,
            aOff + i * strideA,
            lda,
            b,
            bOff + i * strideB,
            ldb,
            c,
            cOff + i * strideC,
            ldc,
            accumulate,
            true,
            null);
      }
    }
  }

  /**
   * The packed algorithm on {@code threads} threads. For each block of B: its panels are packed once
   * into the calling thread's buffer (the panels split among the threads), then the tiles of C are
   * shared out in chunks of row panels (and, when there are few rows, of column ranges) that the
   * threads claim as they go, so a core slowed by something else holds up little. The epilogue (if
   * any) runs on each row panel as soon as its last K block is stored, while it is in cache.
   */
  private static void blocked(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate,
      Epilogue ep,
      int threads) {
    float[] bp = WORKSPACE.get().bp;
    int rowPanels = (M + MR - 1) / MR;
    for (int jc = 0; jc < N; jc += NC) {
      int nc = Math.min(NC, N - jc);
      int colPanels = (nc + NR - 1) / NR;
      // Enough tasks for a few per thread: row panels, times column ranges when rows are few.
      int colParts = Math.min(
          colPanels, Math.max(1, (TASKS_PER_THREAD * threads + rowPanels - 1) / rowPanels));
      int perPart = (colPanels + colParts - 1) / colParts;
      for (int pc = 0; pc < K; pc += KC) {
        int kc = Math.min(KC, K - pc);
        int n0 = jc; // copies of the loop variables for the lambdas below
        int p0 = pc;
        // The first K block overwrites C unless accumulating, so C is never read uninitialised.
        boolean load = accumulate || pc > 0;
        boolean last = pc + kc >= K;
        if (threads <= 1) {
          packB(transB, b, bOff, ldb, p0, kc, n0, nc, bp, 0);
          tiles(transA, 0, M, n0, 0, nc, p0, kc, a, aOff, lda, bp, c, cOff, ldc, load, last, ep);
          continue;
        }
        Parallel.forRange(
            colPanels,
            1,
            (q0, q1) -> packB(
                transB,
                b,
                bOff,
                ldb,
                p0,
                kc,
                n0 + q0 * NR,
                Math.min(nc, q1 * NR) - q0 * NR,
                bp,
                q0 * NR * kc));
        // Task t covers row panel t % rowPanels of column range t / rowPanels, so a chunk of tasks
        // is a run of row panels.
        Parallel.forRange(rowPanels * colParts, 1, (t0, t1) -> {
          for (int t = t0; t < t1; ) {
            int part = t / rowPanels;
            int r0 = t % rowPanels;
            int r1 = Math.min(rowPanels, r0 + (t1 - t));
            int j0 = part * perPart * NR;
            int j1 = Math.min(nc, (part + 1) * perPart * NR);
            tiles(
                transA,
                r0 * MR,
                Math.min(M, r1 * MR),
                n0,
                j0,
                j1,
                p0,
                kc,
                a,
                aOff,
                lda,
                bp,
                c,
                cOff,
                ldc,
                load,
                last,
                ep);
            t += r1 - r0;
          }
        });
      }
    }
  }

  /**
   * {@code C[m0:m1, jc+j0 : jc+j1] (= or +=) op(A)[m0:m1, pc:pc+kc] · Bblock[:, j0:j1]}, where the
   * block of B (columns from {@code jc}) is packed in {@code bp}; runs on the calling thread, with
   * its own buffers for A.
   */
  private static void tiles(
      boolean transA,
      int m0,
      int m1,
      int jc,
      int j0,
      int j1,
      int pc,
      int kc,
      float[] a,
      int aOff,
      int lda,
      float[] bp,
      float[] c,
      int cOff,
      int ldc,
      boolean load,
      boolean last,
      Epilogue ep) {
    Workspace ws = WORKSPACE.get();
    float[] ap = ws.ap;
    for (int ic = m0; ic < m1; ic += MC) {
      int mc = Math.min(MC, m1 - ic);
      if (transA) {
        packA(a, aOff, lda, ic, mc, pc, kc, ap);
      }
      for (int ir = 0; ir < mc; ir += MR) {
        int mr = Math.min(MR, mc - ir);
        // Where the micro-kernel reads this panel of A: in place when A's rows run along K,
        // except for a last panel of fewer than MR rows, which is copied and zero-padded.
        float[] pa = ap;
        int ai = ir * kc;
        int lpa = kc;
        if (!transA && mr == MR) {
          pa = a;
          ai = aOff + (ic + ir) * lda + pc;
          lpa = lda;
        } else if (!transA) {
          copyRows(a, aOff + (ic + ir) * lda + pc, lda, mr, kc, ap);
          ai = 0;
        }
        for (int jr = j0; jr < j1; jr += NR) {
          int nr = Math.min(NR, j1 - jr);
          int ci = cOff + (ic + ir) * ldc + jc + jr;
          if (mr == MR && nr == NR) {
            kernel(kc, pa, ai, lpa, bp, jr * kc, c, ci, ldc, load);
          } else {
            // A partial tile: computed in full into `tile`, then only its valid part stored.
            kernel(kc, pa, ai, lpa, bp, jr * kc, ws.tile, 0, NR, false);
            for (int r = 0; r < mr; r++) {
              for (int j = 0; j < nr; j++) {
                int x = ci + r * ldc + j;
                c[x] = load ? c[x] + ws.tile[r * NR + j] : ws.tile[r * NR + j];
              }
            }
          }
        }
        if (last) {
          Epilogue.apply(ep, c, cOff, ldc, ic + ir, ic + ir + mr, jc + j0, jc + j1);
        }
      }
    }
  }

  /**
   * What a product does to each finished block of C before moving on: add a bias row, then, unless
   * the activation is {@link Activation#NONE}, write {@code act(C)} to {@code out} (row stride
   * {@code ldo}). Fusing these into the product saves a pass over C for each.
   */
  record Epilogue(float[] bias, int biasOff, Activation act, float[] out, int outOff, int ldo) {
    /** Applies {@code ep} (nothing when null) to {@code C[m0:m1, n0:n1]}. */
    static void apply(Epilogue ep, float[] c, int cOff, int ldc, int m0, int m1, int n0, int n1) {
      if (ep == null) {
        return;
      }
      for (int i = m0; i < m1; i++) {
        int ci = cOff + i * ldc + n0;
        if (ep.bias != null) {
          Vec.addTo(n1 - n0, ep.bias, ep.biasOff + n0, c, ci);
        }
        Activations32.run(ep.act, n1 - n0, c, ci, ep.out, ep.outOff + i * ep.ldo + n0);
      }
    }
  }

  /**
   * Packs {@code Aᵀ[ic:ic+mc, pc:pc+kc]} (A stored K×M) as MR-row panels, each row-major ({@code MR ×
   * kc}, the layout the micro-kernel reads A in place in), zero-padded to MR rows.
   */
  private static void packA(
      float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] ap) {
    for (int ir = 0; ir < mc; ir += MR) {
      int base = ir * kc;
      int mr = Math.min(MR, mc - ir);
      // The MR values of one k are contiguous in A: read them together, write MR rows.
      for (int k = 0; k < kc; k++) {
        int src = aOff + (pc + k) * lda + ic + ir;
        for (int r = 0; r < mr; r++) {
          ap[base + r * kc + k] = a[src + r];
        }
      }
      java.util.Arrays.fill(ap, base + mr * kc, base + MR * kc, 0f);
    }
  }

  /** Copies {@code mr < MR} rows of {@code kc} values (row stride {@code lda}) into an MR-row panel, zero-padded. */
  private static void copyRows(float[] a, int ai, int lda, int mr, int kc, float[] ap) {
    for (int r = 0; r < mr; r++) {
      System.arraycopy(a, ai + r * lda, ap, r * kc, kc);
    }
    java.util.Arrays.fill(ap, mr * kc, MR * kc, 0f);
  }

  /**
   * Packs {@code op(B)[pc:pc+kc, jc:jc+nc]} into {@code bp} from {@code bpOff} as NR-column panels,
   * k-major within a panel, zero-padded.
   */
  private static void packB(
      boolean transB,
      float[] b,
      int bOff,
      int ldb,
      int pc,
      int kc,
      int jc,
      int nc,
      float[] bp,
      int bpOff) {
    for (int jr = 0; jr < nc; jr += NR) {
      int base = bpOff + jr * kc;
      int nr = Math.min(NR, nc - jr);
      if (transB) {
        // B is stored N×K; go through k in short runs so the strided writes stay in a few cache
        // lines.
        for (int k0 = 0; k0 < kc; k0 += 8) {
          int k1 = Math.min(kc, k0 + 8);
          for (int j = 0; j < nr; j++) {
            int src = bOff + (jc + jr + j) * ldb + pc;
            for (int k = k0; k < k1; k++) {
              bp[base + k * NR + j] = b[src + k];
            }
          }
          for (int j = nr; j < NR; j++) {
            for (int k = k0; k < k1; k++) {
              bp[base + k * NR + j] = 0f;
            }
          }
        }
      } else if (nr == NR) {
        for (int k = 0; k < kc; k++) {
          int src = bOff + (pc + k) * ldb + jc + jr;
          int dst = base + k * NR;
          FloatVector.fromArray(S, b, src).intoArray(bp, dst);
          FloatVector.fromArray(S, b, src + L).intoArray(bp, dst + L);
        }
      } else {
        for (int k = 0; k < kc; k++) {
          int src = bOff + (pc + k) * ldb + jc + jr;
          int dst = base + k * NR;
          for (int j = 0; j < nr; j++) {
            bp[dst + j] = b[src + j];
          }
          for (int j = nr; j < NR; j++) {
            bp[dst + j] = 0f;
          }
        }
      }
    }
  }

  /**
   * The micro-kernel: {@code C[6, 2L] (= or +=) A[6, kc] · Bpanel} over {@code kc} steps,
   * accumulating in twelve vector registers. Row {@code r} of A starts at {@code ai + r·lda}, so A is
   * read in place (or from a packed panel, {@code lda = kc}). Written out by hand because C2 keeps
   * named locals in registers, not arrays.
   */
  private static void kernel(
      int kc,
      float[] a,
      int ai,
      int lda,
      float[] bp,
      int bi,
      float[] c,
      int ci,
      int ldc,
      boolean load) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
    FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    int a0 = ai;
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int a4 = a3 + lda;
    int a5 = a4 + lda;
    for (int k = 0; k < kc; k++) {
      int bk = bi + k * NR;
      FloatVector b0 = FloatVector.fromArray(S, bp, bk);
      FloatVector b1 = FloatVector.fromArray(S, bp, bk + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + k]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + k]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + k]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + k]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + k]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + k]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    store(c, ci, c00, c01, load);
    store(c, ci + ldc, c10, c11, load);
    store(c, ci + 2 * ldc, c20, c21, load);
    store(c, ci + 3 * ldc, c30, c31, load);
    store(c, ci + 4 * ldc, c40, c41, load);
    store(c, ci + 5 * ldc, c50, c51, load);
  }

  private static void store(float[] c, int i, FloatVector x0, FloatVector x1, boolean load) {
    if (load) {
      x0 = x0.add(FloatVector.fromArray(S, c, i));
      x1 = x1.add(FloatVector.fromArray(S, c, i + L));
    }
    x0.intoArray(c, i);
    x1.intoArray(c, i + L);
  }

  /** Small problems: no packing; vectorised over N when B's rows are contiguous, over K otherwise. */
  private static void direct(
      boolean transA,
      boolean transB,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    for (int i = 0; i < M; i++) {
      int crow = cOff + i * ldc;
      if (!transB) {
        if (!accumulate) {
          java.util.Arrays.fill(c, crow, crow + N, 0f);
        }
        for (int k = 0; k < K; k++) {
          float aik = transA ? a[aOff + k * lda + i] : a[aOff + i * lda + k];
          Vec.axpy(N, aik, b, bOff + k * ldb, c, crow);
        }
      } else {
        dots(transA, i, 0, N, K, a, aOff, lda, b, bOff, ldb, c, crow, accumulate);
      }
    }
  }

  /** {@code C (= or +=) op(A)·B} for a few rows, split along K into parts that run in parallel. */
  private static void skinnySplitK(
      boolean transA,
      int M,
      int N,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    int parts = (K + SKINNY_K_PART - 1) / SKINNY_K_PART;
    int size = M * N;
    Workspace ws = WORKSPACE.get();
    if (ws.partial.length < parts * size) {
      ws.partial = new float[parts * size];
    }
    float[] partial = ws.partial;
    int sk = transA ? lda : 1;
    Parallel.forRange(parts, 1, (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        int k0 = p * SKINNY_K_PART;
        int kp = Math.min(K, k0 + SKINNY_K_PART) - k0;
        skinny(
            transA,
            false,
            M,
            0,
            N,
            kp,
            a,
            aOff + k0 * sk,
            lda,
            b,
            bOff + k0 * ldb,
            ldb,
            partial,
            p * size,
            N,
            false);
      }
    });
    for (int i = 0; i < M; i++) {
      int crow = cOff + i * ldc;
      if (!accumulate) {
        System.arraycopy(partial, i * N, c, crow, N);
      } else {
        Vec.addTo(N, partial, i * N, c, crow);
      }
      for (int p = 1; p < parts; p++) {
        Vec.addTo(N, partial, p * size + i * N, c, crow);
      }
    }
  }

  /**
   * Columns {@code [n0, n1)} of C for a few rows, without packing. For A·Bᵀ, one dot product per
   * element. For A·B, B streams once, row by row (four rows at a time), each row's run {@code [n0,
   * n1)} added into C's rows, which stay in L1: each element of C still sums its products in K order,
   * one fused multiply-add at a time.
   */
  private static void skinny(
      boolean transA,
      boolean transB,
      int M,
      int n0,
      int n1,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      boolean accumulate) {
    if (transB) {
      for (int i = 0; i < M; i++) {
        dots(transA, i, n0, n1, K, a, aOff, lda, b, bOff, ldb, c, cOff + i * ldc, accumulate);
      }
      return;
    }
    if (!accumulate) {
      for (int i = 0; i < M; i++) {
        java.util.Arrays.fill(c, cOff + i * ldc + n0, cOff + i * ldc + n1, 0f);
      }
    }
    // A[i, k] is at ai + i·si + k·sk.
    int si = transA ? 1 : lda;
    int sk = transA ? lda : 1;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
      int r0 = bOff + k * ldb;
      int r1 = r0 + ldb;
      int r2 = r1 + ldb;
      int r3 = r2 + ldb;
      for (int i = 0; i < M; i++) {
        int ai = aOff + i * si + k * sk;
        float s0 = a[ai];
        float s1 = a[ai + sk];
        float s2 = a[ai + 2 * sk];
        float s3 = a[ai + 3 * sk];
        FloatVector w0 = FloatVector.broadcast(S, s0);
        FloatVector w1 = FloatVector.broadcast(S, s1);
        FloatVector w2 = FloatVector.broadcast(S, s2);
        FloatVector w3 = FloatVector.broadcast(S, s3);
        int crow = cOff + i * ldc;
        int j = n0;
        for (; j + L <= n1; j += L) {
          FloatVector x = FloatVector.fromArray(S, c, crow + j);
          x = FloatVector.fromArray(S, b, r0 + j).fma(w0, x);
          x = FloatVector.fromArray(S, b, r1 + j).fma(w1, x);
          x = FloatVector.fromArray(S, b, r2 + j).fma(w2, x);
          x = FloatVector.fromArray(S, b, r3 + j).fma(w3, x);
          x.intoArray(c, crow + j);
        }
        for (; j < n1; j++) {
          float x = c[crow + j];
          x = Math.fma(s0, b[r0 + j], x);
          x = Math.fma(s1, b[r1 + j], x);
          x = Math.fma(s2, b[r2 + j], x);
          x = Math.fma(s3, b[r3 + j], x);
          c[crow + j] = x;
        }
      }
    }
    for (; k < K; k++) {
      int r0 = bOff + k * ldb;
      for (int i = 0; i < M; i++) {
        float s0 = a[aOff + i * si + k * sk];
        FloatVector w0 = FloatVector.broadcast(S, s0);
        int crow = cOff + i * ldc;
        int j = n0;
        for (; j + L <= n1; j += L) {
          FloatVector.fromArray(S, b, r0 + j)
              .fma(w0, FloatVector.fromArray(S, c, crow + j))
              .intoArray(c, crow + j);
        }
        for (; j < n1; j++) {
          c[crow + j] = Math.fma(s0, b[r0 + j], c[crow + j]);
        }
      }
    }
  }

  /** Row {@code i} of {@code C = op(A)·Bᵀ}, columns {@code [j0, j1)}: one dot product each. */
  private static void dots(
      boolean transA,
      int i,
      int j0,
      int j1,
      int K,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int crow,
      boolean accumulate) {
    for (int j = j0; j < j1; j++) {
      int brow = bOff + j * ldb;
      float s;
      if (!transA) {
        s = Vec.dot(K, a, aOff + i * lda, b, brow);
      } else {
        s = 0f;
        for (int k = 0; k < K; k++) {
          s += a[aOff + k * lda + i] * b[brow + k];
        }
      }
      c[crow + j] = accumulate ? c[crow + j] + s : s;
    }
  }
}
