package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Model;
import dev.kiln.runtime.Tensor;
import dev.kiln.runtime.data.CharTokenizer;
import dev.kiln.runtime.data.CopyTask;
import dev.kiln.runtime.data.LmBatches;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import dev.kiln.runtime.train.AdamW;
import dev.kiln.runtime.train.GradClip;
import dev.kiln.runtime.train.Schedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln train}: trains a causal language model declared in a {@code .model} file (two integer
 * inputs [B, T]: tokens, then next-token targets) on a text file (character tokens) or on the
 * synthetic copy task.
 */
@Command(name = "train", description = "Train a model on text (character tokens) or on a synthetic copy task.")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "a .model file")
  String modelFile;

  @Option(names = "--data", defaultValue = "synthetic", description = "a UTF-8 text file, or 'synthetic' (copy task); default ${DEFAULT-VALUE}")
  String data;

  @Option(names = "--steps", defaultValue = "200")
  int steps;

  @Option(names = "--batch", defaultValue = "8")
  int batch;

  @Option(names = "--seq", defaultValue = "32")
  int seq;

  @Option(names = "--lr", defaultValue = "3e-3")
  double lr;

  @Option(names = "--warmup", defaultValue = "20")
  int warmup;

  @Option(names = "--schedule", defaultValue = "cosine", description = "constant, cosine, linear or inverse-sqrt")
  String schedule;

  @Option(names = "--weight-decay", defaultValue = "0.01")
  double weightDecay;

  @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip (0: off)")
  double clip;

  @Option(names = "--seed", defaultValue = "1")
  long seed;

  @Option(names = "--out", description = "folder for metrics.jsonl and the final weights")
  Path out;

  @Option(names = "--log-every", defaultValue = "10")
  int logEvery;

  @Mixin ModelOptions model;

  @Override
  public Integer call() throws IOException {
    ModelCompiler.Compiled c = model.compile(modelFile);
    Model m = c.newModel();
    if (!(m instanceof FloatModel fm)) {
      throw new IllegalStateException("generated model is not float32");
    }
    List<ModelSpec.InputSpec> ids = m.spec().inputs().stream().filter(i -> i.dtype() == Tensor.DType.I32).toList();
    if (ids.size() != 2 || m.spec().inputs().size() != 2 || m.spec().loss() == null) {
      throw new KilnException("kiln train needs a model with exactly two integer inputs [B, T] (tokens, then next-token targets) and a scalar loss; "
          + m.spec().name() + " has inputs " + m.spec().inputs().stream().map(ModelSpec.InputSpec::name).toList());
    }
    String xName = ids.get(0).name();
    String yName = ids.get(1).name();
    int vocab = vocabOf(ids.get(0));
    m.initialize(seed);
    AdamW opt = new AdamW(fm, new AdamW.Config(lr, 0.9, 0.95, 1e-8, weightDecay));
    Schedule sched = Schedule.parse(schedule, warmup, steps);
    LmBatches text = null;
    if (!data.equals("synthetic")) {
      CharTokenizer tok = CharTokenizer.fit(readText(Path.of(data)));
      if (tok.size() > vocab) {
        throw new KilnException(data + " has " + tok.size() + " distinct characters, more than the model's vocabulary of " + vocab + "; use --set vocab=" + tok.size());
      }
      text = new LmBatches(tok.encode(readText(Path.of(data))), seed);
      System.err.printf(Locale.ROOT, "data: %s, %,d characters, %d distinct%n", data, text.length(), tok.size());
    } else {
      System.err.printf(Locale.ROOT, "data: synthetic copy task, vocab %d%n", vocab);
    }
    if (out != null) {
      Files.createDirectories(out);
    }
    StringBuilder metrics = new StringBuilder();
    long t0 = System.nanoTime();
    double first = Double.NaN;
    double last = Double.NaN;
    for (int step = 1; step <= steps; step++) {
      Tensor.I32[] b = text != null ? text.batch(step, batch, seq) : CopyTask.batch(seed, step, batch, seq, vocab);
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put(xName, b[0]);
      in.put(yName, b[1]);
      m.zeroGrad();
      m.forward(in, true);
      double loss = m.loss();
      if (!Double.isFinite(loss)) {
        throw new KilnException("loss is " + loss + " at step " + step + "; lower --lr");
      }
      m.backward();
      GradClip.clip(fm.gradientBuffer(), clip);
      double rate = sched.lr(step, lr);
      opt.step(rate);
      first = step == 1 ? loss : first;
      last = loss;
      double secs = (System.nanoTime() - t0) / 1e9;
      double tps = (double) step * batch * seq / secs;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("step", step);
      row.put("loss", loss);
      row.put("lr", rate);
      row.put("tokens_per_s", tps);
      metrics.append(Json.write(row)).append('\n');
      if (step % logEvery == 0 || step == 1 || step == steps) {
        System.out.printf(Locale.ROOT, "step %5d/%d  loss %.4f  lr %.2e  %.0f tok/s%n", step, steps, loss, rate, tps);
      }
    }
    System.out.printf(Locale.ROOT, "loss %.4f -> %.4f over %d steps%n", first, last, steps);
    if (out != null) {
      Files.writeString(out.resolve("metrics.jsonl"), metrics.toString());
      m.save(out.resolve("model.safetensors"));
      System.out.println("wrote " + out.resolve("model.safetensors"));
    }
    return 0;
  }

  private static int vocabOf(ModelSpec.InputSpec in) {
    if (in.bound() == null || !in.bound().chars().allMatch(Character::isDigit)) {
      throw new KilnException("cannot tell the vocabulary size of input '" + in.name() + "' (it should index an embedding table)");
    }
    return Integer.parseInt(in.bound());
  }

  static String readText(Path p) {
    try {
      byte[] bytes = Files.readAllBytes(p);
      if (bytes.length == 0) {
        throw new KilnException(p + ": the data file is empty");
      }
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new KilnException(p + ": not UTF-8 text");
    } catch (java.nio.file.NoSuchFileException e) {
      throw new KilnException(p + ": no such data file");
    } catch (IOException e) {
      throw new UncheckedIOException(p + ": " + e.getMessage(), e);
    }
  }
}
