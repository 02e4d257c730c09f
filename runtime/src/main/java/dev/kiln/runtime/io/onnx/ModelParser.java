package dev.kiln.runtime.io.onnx;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of {@code ModelProto} Kiln needs, skipping every other field. Message nesting is
 * fixed by this schema (model, graph, node, attribute, tensor), so no input can make it recurse deeper.
 */
final class ModelParser {
  private ModelParser() {}

  static OnnxModel parse(MemorySegment seg, String source) {
    ProtoReader r = new ProtoReader(seg, source, "model", 0, seg.byteSize());
    long irVersion = 0;
    String producerName = "";
    String producerVersion = "";
    Map<String, Long> opsets = new LinkedHashMap<>();
    OnnxGraph graph = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          r.expect(ProtoReader.VARINT, "ir_version");
          irVersion = r.varint();
        }
        case 2 -> {
          r.expect(ProtoReader.LEN, "producer_name");
          producerName = r.lenientString();
        }
        case 3 -> {
          r.expect(ProtoReader.LEN, "producer_version");
          producerVersion = r.lenientString();
        }
        case 7 -> {
          r.expect(ProtoReader.LEN, "graph");
          // Protobuf would merge a repeated singular message; no ONNX writer does, so refuse to
          // guess.
          if (graph != null) {
            throw r.error("graph appears twice");
          }
          graph = graph(r.message("model.graph"));
        }
        case 8 -> {
          r.expect(ProtoReader.LEN, "opset_import");
          opset(r.message("model.opset_import[" + opsets.size() + "]"), opsets);
        }
        default -> r.skip();
      }
    }
    if (graph == null) {
      throw new OnnxException(source, "model has no graph (field 7); is this an ONNX model file?");
    }
    return new OnnxModel(source, irVersion, producerName, producerVersion, opsets, graph);
  }

  private static void opset(ProtoReader r, Map<String, Long> opsets) {
    String domain = "";
    long version = 0;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          r.expect(ProtoReader.LEN, "domain");
          domain = r.lenientString();
        }
        case 2 -> {
          r.expect(ProtoReader.VARINT, "version");
          version = r.varint();
        }
        default -> r.skip();
      }
    }
    opsets.put(domain, version);
  }

  private static OnnxGraph graph(ProtoReader r) {
    String name = "";
    List<OnnxNode> nodes = new ArrayList<>();
    Map<String, OnnxTensorProto> initializers = new LinkedHashMap<>();
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    int initializerCount = 0;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          r.expect(ProtoReader.LEN, "node");
          nodes.add(node(r.message(r.path() + ".node[" + nodes.size() + "]")));
        }
        case 2 -> {
          r.expect(ProtoReader.LEN, "name");
          name = r.string("name");
        }
        case 5 -> {
          r.expect(ProtoReader.LEN, "initializer");
          long at = r.tagOffset();
          OnnxTensorProto t = OnnxTensorProto.parse(
              r.message(r.path() + ".initializer[" + initializerCount++ + "]"));
          if (initializers.putIfAbsent(t.name(), t) != null) {
            throw r.error("two initializers are named '" + t.name() + "'", at);
          }
        }
        case 11 -> {
          r.expect(ProtoReader.LEN, "input");
          inputs.add(valueName(r.message(r.path() + ".input[" + inputs.size() + "]")));
        }
        case 12 -> {
          r.expect(ProtoReader.LEN, "output");
          outputs.add(valueName(r.message(r.path() + ".output[" + outputs.size() + "]")));
        }
        default -> r.skip();
      }
    }
    return new OnnxGraph(r.source(), name, nodes, initializers, inputs, outputs);
  }

  /** A ValueInfoProto's name; its type and shape are not needed. */
  private static String valueName(ProtoReader r) {
    String name = "";
    while (r.next()) {
      if (r.field() == 1) {
        r.expect(ProtoReader.LEN, "name");
        name = r.string("name");
      } else {
        r.skip();
      }
    }
    return name;
  }

  private static OnnxNode node(ProtoReader r) {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String opType = "";
    String domain = "";
    Map<String, OnnxAttribute> attributes = new LinkedHashMap<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          r.expect(ProtoReader.LEN, "input");
          inputs.add(r.string("input"));
        }
        case 2 -> {
          r.expect(ProtoReader.LEN, "output");
          outputs.add(r.string("output"));
        }
        case 3 -> {
          r.expect(ProtoReader.LEN, "name");
          name = r.string("name");
        }
        case 4 -> {
          r.expect(ProtoReader.LEN, "op_type");
          opType = r.string("op_type");
        }
        case 5 -> {
          r.expect(ProtoReader.LEN, "attribute");
          long at = r.tagOffset();
          OnnxAttribute a =
              attribute(r.message(r.path() + ".attribute[" + attributes.size() + "]"));
          if (attributes.putIfAbsent(a.name(), a) != null) {
            throw r.error("two attributes are named '" + a.name() + "'", at);
          }
        }
        case 7 -> {
          r.expect(ProtoReader.LEN, "domain");
          domain = r.string("domain");
        }
        default -> r.skip();
      }
    }
    return new OnnxNode(name, opType, domain, inputs, outputs, attributes);
  }

  private static OnnxAttribute attribute(ProtoReader r) {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    String s = "";
    Growable.Floats floats = new Growable.Floats();
    Growable.Longs ints = new Growable.Longs();
    OnnxTensorProto t = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          r.expect(ProtoReader.LEN, "name");
          name = r.string("name");
        }
        case 2 -> {
          r.expect(ProtoReader.FIXED32, "f");
          f = Float.intBitsToFloat(r.fixed32());
        }
        case 3 -> {
          r.expect(ProtoReader.VARINT, "i");
          i = r.varint();
        }
        case 4 -> {
          r.expect(ProtoReader.LEN, "s");
          s = r.lenientString();
        }
        case 5 -> {
          r.expect(ProtoReader.LEN, "t");
          t = OnnxTensorProto.parse(r.message(r.path() + ".t"));
        }
        case 7 -> r.floats("floats", floats);
        case 8 -> r.int64s("ints", ints, Growable.MAX);
        case 20 -> {
          r.expect(ProtoReader.VARINT, "type");
          type = r.varint32();
        }
        default -> r.skip(); // g, strings, tensors, graphs...: Kiln needs none of them
      }
    }
    return new OnnxAttribute(name, type, f, i, s, floats.toArray(), ints.toArray(), t);
  }
}
