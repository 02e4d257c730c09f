package dev.kiln.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.Pretrained;
import dev.kiln.runtime.tokenize.WordPieceTokenizer;
import dev.kiln.stdlib.MiniLmModel;
import dev.kiln.stdlib.Resources;
import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Encoder forward, batch 8 × 128 tokens, of the released all-MiniLM-L6-v2 (6 layers, 384 wide, 12
 * heads): Kiln's stdlib BERT compiled at MiniLM's shape ({@code MiniLmModel}), its weights read from
 * the ONNX file's initializers, against ONNX Runtime running that same file with all graph
 * optimisations. Both get the same threads. The batch is eight 128-token windows of Pride and
 * Prejudice ([CLS] … [SEP], no padding); before timing, the two {@code last_hidden_state}s are
 * compared. Throughput is sequences per second of one forward.
 */
final class EncoderBertBench {
  private EncoderBertBench() {}

  private static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
  private static final int BATCH = 8;
  private static final int SEQ = 128;
  private static final int WIDTH = 384;
  /** MiniLmTest holds Kiln to 1e-4 of ONNX Runtime on this file; the check here is as strict. */
  private static final double TOLERANCE = 1e-4;

  static void run(int runs) {
    int threads = Bench.threads();
    Path onnx = Bench.resourceFile(ONNX_RESOURCE);
    System.out.println("encoder-bert: all-MiniLM-L6-v2 forward, batch " + BATCH + " x " + SEQ
        + " tokens, Kiln vs ONNX Runtime, " + threads + " threads each");

    MiniLmModel kiln = new MiniLmModel();
    Pretrained.Result loaded = Pretrained.load(kiln, onnx);
    System.out.println("  Kiln: " + loaded.parameters() + " parameter tensors from " + onnx);
    int[] ids = batch();
    Map<String, Tensor> inputs = Map.of(
        "ids", new Tensor.I32(new int[] {BATCH, SEQ}, ids),
        "segments", new Tensor.I32(new int[] {BATCH, SEQ}, new int[BATCH * SEQ]),
        "lengths", new Tensor.I32(new int[] {BATCH}, filled(BATCH, SEQ)));

    try (Ort ort = new Ort(onnx, threads, ids)) {
      kiln.forward(inputs, false);
      float[] mine = ((Tensor.F32) kiln.output("last_hidden_state")).data();
      float[] theirs = ort.lastHiddenState();
      double worst = 0;
      for (int i = 0; i < mine.length; i++) {
        worst = Math.max(worst, Math.abs(mine[i] - theirs[i]));
      }
      System.out.printf(
          Locale.ROOT,
          "  check: last_hidden_state [%d,%d,%d], max abs diff Kiln vs ONNX Runtime %.2e (bound %.0e)%n",
          BATCH,
          SEQ,
          WIDTH,
          worst,
          TOLERANCE);
      if (!(worst <= TOLERANCE)) {
        throw new IllegalStateException("Kiln and ONNX Runtime disagree by " + worst);
      }

      // Warm-up: JIT, thread pools, buffers. The JVM recompiles the kernels several times over the
      // first seconds, a C2 compile taking one of the two cores (timings swing 2-3x meanwhile), so
      // warm for at least 12 rounds and 15 s.
      long warmUntil = System.nanoTime() + 15_000_000_000L;
      for (int i = 0; i < 12 || System.nanoTime() < warmUntil; i++) {
        kiln.forward(inputs, false);
        ort.forward();
      }
      double[] k = new double[runs];
      double[] o = new double[runs];
      for (int r = 0; r < runs; r++) {
        long t0 = System.nanoTime();
        kiln.forward(inputs, false);
        long t1 = System.nanoTime();
        ort.forward();
        long t2 = System.nanoTime();
        k[r] = BATCH / ((t1 - t0) / 1e9);
        o[r] = BATCH / ((t2 - t1) / 1e9);
        System.out.printf(
            Locale.ROOT,
            "  run %d  kiln %6.1f ms (%6.1f seq/s)   onnxruntime %6.1f ms (%6.1f seq/s)%n",
            r + 1,
            (t1 - t0) / 1e6,
            k[r],
            (t2 - t1) / 1e6,
            o[r]);
      }
      Bench.summary("encoder-bert", Bench.median(k), Bench.median(o), "seq/s");
    }
  }

  /** Eight windows of 126 consecutive WordPiece tokens of the corpus, each as [CLS] … [SEP]. */
  private static int[] batch() {
    WordPieceTokenizer tok = WordPieceTokenizer.load(
        new ByteArrayInputStream(Resources.bytes("tokenizers/bert/vocab.txt")));
    String text = Resources.text("corpus/austen-pride-and-prejudice.txt");
    int[] stream = tok.encode(text.substring(0, 20_000));
    int body = SEQ - 2;
    if (stream.length < BATCH * body) {
      throw new IllegalStateException("corpus excerpt too short: " + stream.length + " tokens");
    }
    int[] ids = new int[BATCH * SEQ];
    for (int b = 0; b < BATCH; b++) {
      ids[b * SEQ] = tok.clsId();
      System.arraycopy(stream, b * body, ids, b * SEQ + 1, body);
      ids[b * SEQ + SEQ - 1] = tok.sepId();
    }
    return ids;
  }

  private static int[] filled(int n, int v) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  /** An ONNX Runtime session on the file, with its three input tensors made once. */
  private static final class Ort implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs;

    Ort(Path model, int threads, int[] ids) {
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // ONNX Runtime's workers otherwise keep spinning after each run and take the cores from the
        // Kiln run that follows it in the same process.
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        session = env.createSession(model.toString(), options);
        long[] shape = {BATCH, SEQ};
        long[] tokens = new long[ids.length];
        long[] ones = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
          tokens[i] = ids[i];
          ones[i] = 1;
        }
        inputs = Map.of(
            "input_ids",
            OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), shape),
            "attention_mask",
            OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape),
            "token_type_ids",
            OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape));
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime cannot load " + model, e);
      }
    }

    /** One forward; the output stays in native memory, as Kiln's stays in its buffers. */
    void forward() {
      try (OrtSession.Result r = session.run(inputs)) {
        r.get(0);
      } catch (OrtException e) {
        throw new IllegalStateException(e);
      }
    }

    float[] lastHiddenState() {
      try (OrtSession.Result r = session.run(inputs)) {
        FloatBuffer fb = ((OnnxTensor) r.get("last_hidden_state").orElseThrow()).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
      } catch (OrtException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      inputs.values().forEach(OnnxTensor::close);
      try {
        session.close();
      } catch (OrtException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
