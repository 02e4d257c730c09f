package dev.kiln.runtime.io.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Truncations and random mutations of the hand-written model: reading and then using whatever reads
 * may only ever fail with {@link OnnxException}. Seeds are fixed so that a failure reproduces.
 */
class OnnxFuzzTest {
  private static final byte[] VALID = TinyOnnx.model();

  @Test
  void everyTruncationFailsCleanly() {
    int failed = 0;
    for (int n = 0; n < VALID.length; n++) {
      failed += exercise(Arrays.copyOf(VALID, n), "truncated to " + n) ? 0 : 1;
    }
    // Cuts between top-level fields leave a valid (if graphless) message; any other cut is an
    // error.
    assertTrue(failed >= VALID.length - 4, failed + " of " + VALID.length + " truncations failed");
  }

  @Test
  void randomMutationsFailCleanly() {
    Random random = new Random(20_251_121);
    int read = 0;
    int mutations = 5000;
    for (int i = 0; i < mutations; i++) {
      byte[] b = VALID.clone();
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        b = mutate(b, random);
      }
      read += exercise(b, "mutation " + i) ? 1 : 0;
    }
    // Both outcomes must be common, or the mutations are not exercising the reader.
    assertTrue(
        read > mutations / 20 && read < mutations - mutations / 20,
        read + " of " + mutations + " read");
  }

  /**
   * Mutations of one node or initializer at a time, re-wrapped with correct lengths, so that they
   * reach the node, attribute and tensor readers and the decoder instead of failing at the graph.
   */
  @Test
  void mutationsInsideOneMessageFailCleanly() {
    Random random = new Random(42);
    List<byte[]> nodes = TinyOnnx.nodes();
    List<byte[]> tensors = TinyOnnx.initializers();
    int read = 0;
    int mutations = 3000;
    for (int i = 0; i < mutations; i++) {
      boolean node = random.nextInt(4) == 0;
      List<byte[]> pool = node ? nodes : tensors;
      int which = random.nextInt(pool.size());
      byte[] b = pool.get(which).clone();
      for (int e = 1 + random.nextInt(2); e > 0; e--) {
        b = mutate(b, random);
      }
      ProtoWriter graph = new ProtoWriter();
      for (int k = 0; k < nodes.size(); k++) {
        graph.bytes(1, node && k == which ? b : nodes.get(k));
      }
      for (int k = 0; k < tensors.size(); k++) {
        graph.bytes(5, !node && k == which ? b : tensors.get(k));
      }
      read += exercise(TinyOnnx.model(graph), "message mutation " + i) ? 1 : 0;
    }
    assertTrue(read > mutations / 10, read + " of " + mutations + " read");
  }

  @Test
  void randomBytesFailCleanly() {
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[random.nextInt(64)];
      random.nextBytes(b);
      exercise(b, "random " + i);
    }
  }

  private static byte[] mutate(byte[] b, Random random) {
    if (b.length == 0) {
      return new byte[] {(byte) random.nextInt()};
    }
    int at = random.nextInt(b.length);
    return switch (random.nextInt(7)) {
      case 0 -> { // flip one bit
        b[at] ^= (byte) (1 << random.nextInt(8));
        yield b;
      }
      case 1 -> { // a byte that is interesting to a varint or a tag
        byte[] special = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff, 0x0a, 0x12, 0x3a};
        b[at] = special[random.nextInt(special.length)];
        yield b;
      }
      case 2 -> {
        b[at] = (byte) random.nextInt();
        yield b;
      }
      case 3 -> { // insert a byte
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, at);
        c[at] = (byte) random.nextInt();
        System.arraycopy(b, at, c, at + 1, b.length - at);
        yield c;
      }
      case 4 -> { // delete a byte
        byte[] c = new byte[b.length - 1];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
        yield c;
      }
      case 5 -> { // a large varint where a small one was (lengths, dims, counts)
        byte[] big = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        System.arraycopy(big, 0, b, at, Math.min(big.length, b.length - at));
        yield b;
      }
      default -> Arrays.copyOf(b, at); // truncate
    };
  }

  /** Reads {@code b} and uses everything that reads; true if it read, false on an OnnxException. */
  static boolean exercise(byte[] b, String what) {
    try {
      OnnxModel m = OnnxModel.read(b, "fuzz.onnx");
      OnnxGraph g = m.graph();
      for (OnnxTensorProto t : g.initializers().values()) {
        tryToTensor(t);
      }
      for (OnnxNode n : g.nodes()) {
        n.label();
        for (OnnxAttribute a : n.attributes().values()) {
          if (a.t() != null) {
            tryToTensor(a.t());
          }
        }
      }
      g.dataInputs();
      for (LinearLayer l : g.linearLayers()) {
        l.modulePath();
        try {
          l.weightInOut(g);
        } catch (OnnxException expected) {
          // a weight whose data is broken
        }
      }
      try {
        g.matmulWeightsByConsumer();
        MiniLm.parameters(m);
      } catch (OnnxException expected) {
        // duplicate node names; not a BERT
      }
      return true;
    } catch (OnnxException expected) {
      return false;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      fail(what + " threw " + e + " on " + HexFormat.of().formatHex(b), e);
      return false;
    }
  }

  private static void tryToTensor(OnnxTensorProto t) {
    try {
      t.toTensor();
    } catch (OnnxException expected) {
      // bad dims or data: reported, not thrown as anything else
    }
  }
}
