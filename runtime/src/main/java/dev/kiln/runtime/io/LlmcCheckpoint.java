package dev.kiln.runtime.io;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GPT-2 weights in llm.c's checkpoint format ({@code gpt2_124M.bin}), read into and written from the
 * parameter names and layout of the stdlib's {@code gpt2.model}.
 *
 * <p>The file is a header of 256 little-endian int32 ({@code [0]} = 20240326, {@code [1]} = version
 * 3, or 1 for files without a padded vocabulary; then maxT, V, L, NH, C and, in version 3, the padded
 * vocabulary Vp) followed by float32 tensors in a fixed order: wte [Vp, C], wpe [maxT, C], then for
 * all layers at once ln1 weight and bias [L, C], qkv weight [L, 3C, C] and bias [L, 3C], attention
 * projection [L, C, C] and bias, ln2, fc [L, 4C, C] and bias [L, 4C], fc projection [L, C, 4C] and
 * bias, and the final LayerNorm [C] twice. llm.c stores linear weights [out, in]; Kiln stores them
 * [in, out], so they are transposed both ways. Rows of the padded vocabulary beyond V are zero on
 * write and dropped on read.
 */
public final class LlmcCheckpoint {
  /** The first int32 of every llm.c model file. */
  public static final int MAGIC = 20240326;

  private static final int HEADER_INTS = 256;

  private LlmcCheckpoint() {}

  /** llm.c's model hyper-parameters, as in the header. */
  public record Config(int maxT, int vocab, int layers, int heads, int channels, int paddedVocab) {}

  /** Whether {@code file} starts with llm.c's magic number. */
  public static boolean isLlmc(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      return ch.read(b, 0) == 4 && b.getInt(0) == MAGIC;
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads the header of {@code file}. */
  public static Config config(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(file, ch);
    } catch (IOException e) {
      throw new KilnException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Every parameter of {@code file} under the stdlib GPT-2's names, linear weights [in, out]. */
  public static Map<String, Tensor> read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Config c = header(file, ch);
      long expected = 4L * HEADER_INTS + 4L * count(c);
      if (ch.size() != expected) {
        throw new KilnException(file + ": llm.c file of " + ch.size() + " bytes, but its header ("
            + c + ") needs " + expected);
      }
      ByteBuffer data = ch.map(FileChannel.MapMode.READ_ONLY, 4L * HEADER_INTS, 4L * count(c))
          .order(ByteOrder.LITTLE_ENDIAN);
      var floats = data.asFloatBuffer();
      int cc = c.channels();
      int l = c.layers();
      Map<String, Tensor> out = new LinkedHashMap<>();
      float[] wte = take(floats, (long) c.paddedVocab() * cc);
      out.put(
          "wte.weight",
          new Tensor.F32(new int[] {c.vocab(), cc}, java.util.Arrays.copyOf(wte, c.vocab() * cc)));
      out.put(
          "wpe.weight",
          new Tensor.F32(new int[] {c.maxT(), cc}, take(floats, (long) c.maxT() * cc)));
      perLayer(out, floats, l, "ln_1.weight", cc, 0);
      perLayer(out, floats, l, "ln_1.bias", cc, 0);
      perLayer(out, floats, l, "attn.c_attn.weight", 3 * cc, cc);
      perLayer(out, floats, l, "attn.c_attn.bias", 3 * cc, 0);
      perLayer(out, floats, l, "attn.c_proj.weight", cc, cc);
      perLayer(out, floats, l, "attn.c_proj.bias", cc, 0);
      perLayer(out, floats, l, "ln_2.weight", cc, 0);
      perLayer(out, floats, l, "ln_2.bias", cc, 0);
      perLayer(out, floats, l, "mlp.c_fc.weight", 4 * cc, cc);
      perLayer(out, floats, l, "mlp.c_fc.bias", 4 * cc, 0);
      perLayer(out, floats, l, "mlp.c_proj.weight", cc, 4 * cc);
      perLayer(out, floats, l, "mlp.c_proj.bias", cc, 0);
      out.put("ln_f.weight", new Tensor.F32(new int[] {cc}, take(floats, cc)));
      out.put("ln_f.bias", new Tensor.F32(new int[] {cc}, take(floats, cc)));
      return out;
    } catch (IOException e) {
      throw new KilnException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * Writes {@code params} (stdlib GPT-2 names and layout) as a version-3 llm.c file, atomically;
   * {@code heads} is not stored in Kiln's parameters, so it is passed in.
   */
  public static void write(Path file, Map<String, Tensor> params, int heads) {
    Tensor wte = require(params, "wte.weight");
    Tensor wpe = require(params, "wpe.weight");
    int vocab = wte.shape()[0];
    int cc = wte.shape()[1];
    int layers = 0;
    while (params.containsKey("h." + layers + ".ln_1.weight")) {
      layers++;
    }
    Config c = new Config(wpe.shape()[0], vocab, layers, heads, cc, (vocab + 127) / 128 * 128);
    int[] header = new int[HEADER_INTS];
    header[0] = MAGIC;
    header[1] = 3;
    header[2] = c.maxT();
    header[3] = c.vocab();
    header[4] = c.layers();
    header[5] = c.heads();
    header[6] = c.channels();
    header[7] = c.paddedVocab();
    int layerCount = layers;
    try {
      AtomicFiles.write(file, stream -> {
        Floats out = new Floats(stream);
        for (int h : header) {
          out.putInt(h);
        }
        out.put(wte, false);
        for (long i = (long) vocab * cc; i < (long) c.paddedVocab() * cc; i++) {
          out.put(0f);
        }
        out.put(wpe, false);
        for (String suffix : LAYER_TENSORS) {
          for (int i = 0; i < layerCount; i++) {
            Tensor t = require(params, "h." + i + "." + suffix);
            out.put(t, t.shape().length == 2);
          }
        }
        out.put(require(params, "ln_f.weight"), false);
        out.put(require(params, "ln_f.bias"), false);
        out.flush();
      });
    } catch (IOException e) {
      throw new KilnException("cannot write " + file + ": " + e.getMessage());
    }
  }

  private static final String[] LAYER_TENSORS = {
    "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
        "attn.c_proj.bias",
    "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
        "mlp.c_proj.bias"
  };

  /** Little-endian int32/float32 through a buffer onto a stream. */
  private static final class Floats {
    private final java.io.OutputStream stream;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    Floats(java.io.OutputStream stream) {
      this.stream = stream;
    }

    void putInt(int v) throws IOException {
      room();
      buf.putInt(v);
    }

    void put(float v) throws IOException {
      room();
      buf.putFloat(v);
    }

    /** {@code t} as is, or a Kiln [in, out] weight as llm.c's [out, in]. */
    void put(Tensor t, boolean transpose) throws IOException {
      if (!transpose) {
        for (long i = 0; i < t.size(); i++) {
          put((float) t.get(i));
        }
        return;
      }
      int in = t.shape()[0];
      int outDim = t.shape()[1];
      for (int o = 0; o < outDim; o++) {
        for (int i = 0; i < in; i++) {
          put((float) t.get((long) i * outDim + o));
        }
      }
    }

    private void room() throws IOException {
      if (buf.remaining() < 4) {
        flush();
      }
    }

    void flush() throws IOException {
      stream.write(buf.array(), 0, buf.position());
      buf.clear();
    }
  }

  private static Config header(Path file, FileChannel ch) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(4 * HEADER_INTS).order(ByteOrder.LITTLE_ENDIAN);
    if (ch.read(h, 0) != 4 * HEADER_INTS) {
      throw new KilnException(
          file + ": too short for an llm.c model header (" + ch.size() + " bytes)");
    }
    if (h.getInt(0) != MAGIC) {
      throw new KilnException(
          file + ": not an llm.c model file (magic " + h.getInt(0) + ", expected " + MAGIC + ")");
    }
    int version = h.getInt(4);
    if (version != 1 && version != 3) {
      throw new KilnException(
          file + ": llm.c model version " + version + " is not supported (1 or 3)");
    }
    Config c = new Config(
        h.getInt(8),
        h.getInt(12),
        h.getInt(16),
        h.getInt(20),
        h.getInt(24),
        version == 3 ? h.getInt(28) : h.getInt(12));
    if (c.maxT() <= 0
        || c.vocab() <= 0
        || c.layers() <= 0
        || c.heads() <= 0
        || c.channels() <= 0
        || c.paddedVocab() < c.vocab()
        || c.channels() % c.heads() != 0) {
      throw new KilnException(file + ": implausible llm.c header " + c);
    }
    return c;
  }

  private static long count(Config c) {
    long ch = c.channels();
    long l = c.layers();
    return c.paddedVocab() * ch
        + c.maxT() * ch
        + l
            * (2 * ch
                + 3 * ch * ch
                + 3 * ch
                + ch * ch
                + ch
                + 2 * ch
                + 4 * ch * ch
                + 4 * ch
                + 4 * ch * ch
                + ch)
        + 2 * ch;
  }

  private static void perLayer(
      Map<String, Tensor> out,
      java.nio.FloatBuffer floats,
      int layers,
      String suffix,
      int rows,
      int cols) {
    for (int i = 0; i < layers; i++) {
      if (cols == 0) {
        out.put("h." + i + "." + suffix, new Tensor.F32(new int[] {rows}, take(floats, rows)));
      } else { // llm.c [out = rows, in = cols] -> Kiln [in, out]
        Tensor.F32 w = new Tensor.F32(new int[] {rows, cols}, take(floats, (long) rows * cols));
        out.put("h." + i + "." + suffix, Pretrained.transpose(w));
      }
    }
  }

  private static float[] take(java.nio.FloatBuffer floats, long n) {
    float[] a = new float[Math.toIntExact(n)];
    floats.get(a);
    return a;
  }

  private static Tensor require(Map<String, Tensor> params, String name) {
    Tensor t = params.get(name);
    if (t == null) {
      throw new KilnException("not a GPT-2 model: no parameter '" + name
          + "' (llm.c files hold the stdlib gpt2 architecture only)");
    }
    return t;
  }
}
