package dev.kiln.runtime.train;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.io.AtomicFiles;
import dev.kiln.runtime.io.Safetensors;
import dev.kiln.runtime.io.SafetensorsFile;
import dev.kiln.runtime.io.SafetensorsWriter;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.FloatModel;
import dev.kiln.runtime.model.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Crash-safe training checkpoints. Each one is a folder {@code checkpoint-<step>/} holding the weights
 * ({@code model.safetensors}), the AdamW moments ({@code optimizer.safetensors}) and the state
 * ({@code state.json}: step, RNG, configuration, anything the trainer adds). The folder is written
 * under a temporary name, synced, then renamed into place, and only then does the file {@code latest}
 * name it (itself replaced atomically), so a kill at any moment leaves the previous checkpoint
 * readable. The two newest checkpoints are kept.
 */
public final class Checkpoint {
  private static final String LATEST = "latest";
  private static final int KEEP = 2;

  private Checkpoint() {}

  /** What a checkpoint restores besides the tensors: the state object written by the trainer. */
  public record Loaded(Path dir, Map<String, Object> state) {
    public long step() {
      return ((Number) state.get("step")).longValue();
    }
  }

  /** Writes a checkpoint of {@code model} and {@code opt} with {@code state} (must hold "step"). */
  public static Path save(Path out, FloatModel model, AdamW opt, Map<String, Object> state) {
    long step = ((Number) state.get("step")).longValue();
    String name = String.format("checkpoint-%07d", step);
    Path target = out.resolve(name);
    try {
      Files.createDirectories(out);
      Path tmp = Files.createTempDirectory(out, "." + name + ".tmp");
      model.save(tmp.resolve("model.safetensors"));
      // Slices of the flat moment buffers, written without copying them.
      float[] m = opt.firstMoments();
      float[] v = opt.secondMoments();
      SafetensorsWriter moments = new SafetensorsWriter();
      for (ModelSpec.ParamSpec p : model.spec().params()) {
        moments.addSlice("m." + p.name(), p.shape(), m, (int) p.offset());
        moments.addSlice("v." + p.name(), p.shape(), v, (int) p.offset());
      }
      moments.metadata("adamw.steps", Integer.toString(opt.steps()));
      moments.write(tmp.resolve("optimizer.safetensors"));
      Map<String, Object> full = new LinkedHashMap<>(state);
      full.put("model", model.spec().name());
      full.put("config", model.spec().config());
      full.put("random_seed", model.randomSeed());
      full.put("random_step", model.randomStep());
      full.put("optimizer_steps", opt.steps());
      AtomicFiles.writeString(tmp.resolve("state.json"), Json.pretty(full) + "\n");
      syncDirectory(tmp);
      if (Files.exists(target)) {
        retire(target); // a rerun of the same step replaces it
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(out);
      AtomicFiles.writeString(out.resolve(LATEST), name + "\n");
      prune(out, name);
      return target;
    } catch (IOException e) {
      throw new KilnException(
          "could not write checkpoint " + target + ": " + e.getMessage()
              + "; the previous checkpoint is intact",
          e);
    }
  }

  /** The newest readable checkpoint in {@code out}, or null when there is none. */
  public static Path latest(Path out) {
    if (!Files.isDirectory(out)) {
      return null;
    }
    try {
      Path pointer = out.resolve(LATEST);
      if (Files.isRegularFile(pointer)) {
        Path named = out.resolve(Files.readString(pointer).strip());
        if (Files.isRegularFile(named.resolve("state.json"))) {
          return named;
        }
      }
      List<Path> all = checkpoints(out);
      return all.isEmpty() ? null : all.getLast();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Restores weights, optimiser moments and dropout RNG from checkpoint folder {@code dir}. */
  @SuppressWarnings("unchecked")
  public static Loaded load(Path dir, FloatModel model, AdamW opt) {
    Map<String, Object> state;
    try {
      Object parsed = Json.parse(Files.readString(dir.resolve("state.json")));
      if (!(parsed instanceof Map<?, ?> m) || !(m.get("step") instanceof Number)) {
        throw new KilnException(
            dir.resolve("state.json") + ": not a Kiln checkpoint state (no step)");
      }
      state = (Map<String, Object>) parsed;
    } catch (IOException e) {
      throw new KilnException("cannot read checkpoint " + dir + ": " + e.getMessage(), e);
    } catch (dev.kiln.runtime.json.JsonException e) {
      throw new KilnException(dir.resolve("state.json") + ": " + e.getMessage(), e);
    }
    Object name = state.get("model");
    if (name != null && !name.equals(model.spec().name())) {
      throw new KilnException("checkpoint " + dir + " is for model " + name + ", not "
          + model.spec().name());
    }
    Object config = state.get("config");
    if (config instanceof Map<?, ?> c && !sameConfig(c, model.spec().config())) {
      throw new KilnException("checkpoint " + dir + " was written with configuration "
          + Json.write(c) + ", but the model has " + Json.write(model.spec().config()));
    }
    model.load(dir.resolve("model.safetensors"));
    float[] m = new float[Math.toIntExact(model.parameterCount())];
    float[] v = new float[m.length];
    try (SafetensorsFile f = Safetensors.open(dir.resolve("optimizer.safetensors"))) {
      for (ModelSpec.ParamSpec p : model.spec().params()) {
        f.readF32Into("m." + p.name(), m, (int) p.offset());
        f.readF32Into("v." + p.name(), v, (int) p.offset());
      }
    }
    Object seed = state.get("random_seed");
    model.setRandomState(
        seed instanceof Number n ? n.longValue() : model.randomSeed(),
        ((Number) state.get("random_step")).longValue());
    opt.restore(m, v, ((Number) state.get("optimizer_steps")).intValue());
    return new Loaded(dir, state);
  }

  private static boolean sameConfig(Map<?, ?> saved, Map<String, Object> now) {
    if (saved.size() != now.size()) {
      return false;
    }
    for (Map.Entry<String, Object> e : now.entrySet()) {
      Object s = saved.get(e.getKey());
      Object n = e.getValue();
      boolean same = (s instanceof Number a && n instanceof Number b)
          ? a.doubleValue() == b.doubleValue()
          : java.util.Objects.equals(s, n);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  private static List<Path> checkpoints(Path out) throws IOException {
    List<Path> all = new ArrayList<>();
    try (var s = Files.list(out)) {
      s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")
              && Files.isRegularFile(p.resolve("state.json")))
          .sorted()
          .forEach(all::add);
    }
    return all;
  }

  private static void prune(Path out, String keep) throws IOException {
    List<Path> all = checkpoints(out);
    for (int i = 0; i < all.size() - KEEP; i++) {
      if (!all.get(i).getFileName().toString().equals(keep)) {
        retire(all.get(i));
      }
    }
    try (var s = Files.list(out)) {
      for (Path p :
          s.filter(p -> p.getFileName().toString().startsWith(".checkpoint-")).toList()) {
        deleteTree(p); // temporaries of a killed run
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some file systems cannot sync a directory; the rename is still atomic.
    }
  }

  /**
   * Removes a checkpoint folder by first renaming it to a temporary name (atomic), so a kill during
   * the deletion never leaves a half-deleted folder under a checkpoint's name.
   */
  private static void retire(Path dir) throws IOException {
    Path doomed = dir.resolveSibling("." + dir.getFileName() + ".old-" + System.nanoTime());
    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(doomed);
  }

  private static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
