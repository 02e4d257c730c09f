package dev.kiln.runtime.train;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.io.AtomicFiles;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The training loop: batches by step number (so a resumed run sees the same data), forward,
 * backward, global-norm clipping, gradient accumulation, AdamW under a schedule, metrics as JSON lines
 * ({@code {"step":…,"loss":…,"lr":…,"tokens_per_s":…}}), a progress bar, and crash-safe checkpoints
 * every {@code checkpointEvery} steps and at the end. A non-finite loss or gradient stops the run,
 * naming the step, with the last checkpoint intact.
 */
public final class Trainer {
  /**
   * Settings of one run: {@code steps} is the run's length (the schedule spans it); this call stops
   * after {@code stopAt} (at most {@code steps}), checkpointing there so {@code --resume} continues.
   */
  public record Settings(
      long steps,
      double peakLr,
      Schedule schedule,
      double clip,
      int accumulate,
      long checkpointEvery,
      Path out,
      int logEvery,
      long stopAt) {
    public Settings(
        long steps,
        double peakLr,
        Schedule schedule,
        double clip,
        int accumulate,
        long checkpointEvery,
        Path out,
        int logEvery) {
      this(steps, peakLr, schedule, clip, accumulate, checkpointEvery, out, logEvery, steps);
    }
  }

  /** A source of batches: the inputs of micro-batch {@code k} (1-based over the whole run). */
  public interface Batches extends LongFunction<Map<String, Tensor>> {}

  /** What a run ended with. */
  public record Result(double firstLoss, double lastLoss, long steps, double tokensPerSecond) {}

  private final FloatModel model;
  private final AdamW opt;
  private final Settings s;
  private final PrintStream log;
  private final Map<String, Object> extraState = new LinkedHashMap<>();

  public Trainer(FloatModel model, AdamW opt, Settings settings, PrintStream log) {
    this.model = model;
    this.opt = opt;
    this.s = settings;
    this.log = log;
  }

  /** Adds entries to every checkpoint's state (data, tokenizer, seed...). */
  public Trainer state(String key, Object value) {
    extraState.put(key, value);
    return this;
  }

  /** Runs from {@code startStep + 1} to the last step; {@code startStep} is 0 or a resumed checkpoint's step. */
  public Result run(Batches batches, long startStep) {
    trimMetrics(startStep);
    Progress progress = new Progress(log, s.steps(), s.logEvery());
    long tokens = 0;
    long t0 = System.nanoTime();
    double first = Double.NaN;
    double last = Double.NaN;
    double tps = 0;
    for (long step = startStep + 1; step <= s.stopAt(); step++) {
      model.zeroGrad();
      double loss = 0;
      for (int k = 0; k < s.accumulate(); k++) {
        Map<String, Tensor> in = batches.apply((step - 1) * s.accumulate() + k + 1);
        model.forward(in, true);
        double l = model.loss();
        if (!Double.isFinite(l)) {
          throw new KilnException("the loss is " + l + " at step " + step + " (" + parameterReport()
              + "); stopping with the last checkpoint intact (lower --lr?)");
        }
        loss += l / s.accumulate();
        model.backward();
        tokens += tokensIn(in);
      }
      if (s.accumulate() > 1) {
        model.scaleGradients(1.0 / s.accumulate());
      }
      double norm = GradClip.clip(model, s.clip());
      if (!Double.isFinite(norm)) {
        throw new KilnException("the gradient norm is " + norm + " at step " + step
            + " (first non-finite parameter gradient: " + firstNonFinite(model.gradientBuffer())
            + "); stopping with the last checkpoint intact");
      }
      double lr = s.schedule().lr(step, s.peakLr());
      opt.step(lr);
      tps = tokens / ((System.nanoTime() - t0) / 1e9);
      if (step == startStep + 1) {
        first = loss;
      }
      last = loss;
      metrics(step, loss, lr, tps);
      progress.update(step, startStep + 1, loss, lr, tps);
      if (s.out() != null
          && s.checkpointEvery() > 0
          && (step % s.checkpointEvery() == 0 || step == s.stopAt())) {
        Map<String, Object> state = new LinkedHashMap<>(extraState);
        state.put("step", step);
        state.put("loss", loss);
        Checkpoint.save(s.out(), model, opt, state);
      }
    }
    return new Result(first, last, s.stopAt() - startStep, tps);
  }

  /**
   * Where a non-finite loss came from: the first parameter holding NaN or Inf, or, when all are
   * finite, the parameter with the largest magnitude (an overflow in the forward pass).
   */
  private String parameterReport() {
    float[] w = model.parameterBuffer();
    String bad = firstNonFinite(w);
    if (!bad.equals("none")) {
      return "first non-finite parameter: " + bad;
    }
    String where = "none";
    double largest = 0;
    for (var p : model.spec().params()) {
      for (long i = 0; i < p.size(); i++) {
        double a = Math.abs(w[(int) (p.offset() + i)]);
        if (a > largest) {
          largest = a;
          where = p.name();
        }
      }
    }
    return String.format(
        java.util.Locale.ROOT,
        "every parameter is finite; the largest, |%.3g| in %s, overflowed the forward pass",
        largest,
        where);
  }

  private String firstNonFinite(float[] g) {
    for (var p : model.spec().params()) {
      for (long i = 0; i < p.size(); i++) {
        if (!Float.isFinite(g[(int) (p.offset() + i)])) {
          return p.name();
        }
      }
    }
    return "none";
  }

  private static long tokensIn(Map<String, Tensor> in) {
    long max = 0;
    for (Tensor t : in.values()) {
      if (t.dtype() == Tensor.DType.I32) {
        max = Math.max(max, t.size());
      }
    }
    return max;
  }

  /**
   * Drops the lines of {@code metrics.jsonl} after {@code startStep}: a killed run logged steps past
   * its last checkpoint, which the resumed run repeats. So the file always holds one line per step,
   * the curve an uninterrupted run would have written (its tokens/s aside).
   */
  private void trimMetrics(long startStep) {
    Path file = s.out() == null ? null : s.out().resolve("metrics.jsonl");
    if (file == null || !Files.exists(file)) {
      return;
    }
    try {
      StringBuilder kept = new StringBuilder();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Object row;
        try {
          row = Json.parse(line);
        } catch (RuntimeException e) {
          continue; // the half-written last line of a killed run
        }
        if (row instanceof Map<?, ?> m
            && m.get("step") instanceof Number n
            && n.longValue() <= startStep) {
          kept.append(line).append('\n');
        }
      }
      AtomicFiles.writeString(file, kept.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file, e);
    }
  }

  private void metrics(long step, double loss, double lr, double tps) {
    if (s.out() == null) {
      return;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("step", step);
    row.put("loss", loss);
    row.put("lr", lr);
    row.put("tokens_per_s", tps);
    try {
      Files.createDirectories(s.out());
      Files.writeString(
          s.out().resolve("metrics.jsonl"),
          Json.write(row) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + s.out().resolve("metrics.jsonl"), e);
    }
  }
}
