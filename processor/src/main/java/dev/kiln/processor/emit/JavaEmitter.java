package dev.kiln.processor.emit;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.processor.ir.DType;
import dev.kiln.processor.ir.Dim;
import dev.kiln.processor.ir.Graph;
import dev.kiln.processor.ir.Init;
import dev.kiln.processor.ir.MaskExpr;
import dev.kiln.processor.ir.Node;
import dev.kiln.processor.ir.Op;
import dev.kiln.processor.ir.Param;
import dev.kiln.processor.ir.Role;
import dev.kiln.processor.ir.RuntimeDim;
import dev.kiln.processor.ir.Shape;
import dev.kiln.processor.ir.Value;
import dev.kiln.processor.passes.DecodePlan;
import dev.kiln.processor.passes.Fusion;
import dev.kiln.processor.passes.MemoryPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Emits the Java source of one model: a final class extending the runtime's {@code FloatModel} (or
 * {@code DoubleModel}) with the configuration and parameter offsets as constants, one method per layer
 * for forward and one for backward (in reverse), each call commented with the declaration it came
 * from, and all heavy work delegated to the runtime's kernels. Nothing is interpreted at run time:
 * only the run-time dims (B, T, ...) are variables.
 */
public final class JavaEmitter {
  private static final ClassName MODEL_SPEC = ClassName.get("dev.kiln.runtime.model", "ModelSpec");
  private static final ClassName INIT = ClassName.get("dev.kiln.runtime.model", "Init");
  private static final ClassName MASK = ClassName.get("dev.kiln.runtime.mask", "Mask");
  private static final ClassName MASKS = ClassName.get("dev.kiln.runtime.mask", "Masks");
  private static final ClassName TENSOR = ClassName.get("dev.kiln.runtime", "Tensor");
  private static final ClassName DTYPE = ClassName.get("dev.kiln.runtime", "Tensor", "DType");
  private static final ClassName GENERATED =
      ClassName.get("javax.annotation.processing", "Generated");
  /** Names the generated class must not redefine: inherited members and the locals of layer methods. */
  private static final java.util.Set<String> RESERVED = java.util.Set.of(
      "params",
      "grads",
      "arena",
      "spec",
      "training",
      "a",
      "p",
      "gr",
      "k",
      "SPEC",
      "dims",
      "inputs",
      "index",
      "buildSpec",
      "precision",
      "initialize",
      "setRandomState",
      "randomStep",
      "forward",
      "loss",
      "output",
      "backward",
      "zeroGrad",
      "parameterCount",
      "parameter",
      "setParameter",
      "gradient",
      "parameters",
      "gradients",
      "setParameters",
      "load",
      "save",
      "parameterBuffer",
      "gradientBuffer",
      "bind",
      "runForward",
      "runBackward",
      "outputOffset",
      "lossOffset",
      "copyOut",
      "arenaValue",
      "ensureArena",
      "dropoutSeed",
      "dimValue",
      "fillParameter",
      "floatInput",
      "copyParameter",
      "writeParameter",
      "concreteShape",
      "convertInput",
      "arenaLength",
      "hashCode",
      "equals",
      "toString",
      "getClass",
      "wait",
      "notify",
      "notifyAll",
      "clone",
      "finalize");

  /** Statements per generated helper method, well below the JVM's 64 KiB method limit. */
  private static final int CHUNK = 400;

  private final Graph g;
  private final MemoryPlan plan;
  private final Precision prec;
  private final String className;
  private final NameAllocator names = new NameAllocator();
  private final Map<String, String> configConstants = new LinkedHashMap<>();
  private final Map<String, String> paramConstants = new LinkedHashMap<>();
  private final Map<String, String> dimFields = new LinkedHashMap<>();
  private final Map<Integer, String> arenaFields = new LinkedHashMap<>();
  private final Map<Integer, String> intFields = new LinkedHashMap<>();
  private final Map<String, String> inputFields = new LinkedHashMap<>();
  private final Map<Integer, String> maskFields = new LinkedHashMap<>();
  private final Map<Integer, String> countFields = new LinkedHashMap<>();

  /** True while emitting the device variants of the layer methods. */
  private boolean device;

  private final TypeName array;

  private JavaEmitter(Graph g, MemoryPlan plan, Precision prec, String className) {
    this.g = g;
    this.plan = plan;
    this.prec = prec;
    this.className = className;
    this.array = ArrayTypeName.of(prec.element);
  }

  /** The generated class's simple name for a model and precision ({@code TinyGptModel}, {@code TinyGptModelF64}). */
  public static String className(String model, Precision prec) {
    return model + "Model" + prec.suffix;
  }

  /** Emits {@code <baseName>Model} (or {@code ...ModelF64}) for graph {@code g} in package {@code pkg}. */
  public static JavaFile emit(
      String pkg, String baseName, Graph g, MemoryPlan plan, Precision prec) {
    return new JavaEmitter(g, plan, prec, className(baseName, prec)).file(pkg);
  }

  private JavaFile file(String pkg) {
    for (String reserved : RESERVED) {
      names.newName(reserved, "reserved:" + reserved);
    }
    TypeSpec.Builder type = TypeSpec.classBuilder(className)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .superclass(prec.base)
        .addAnnotation(AnnotationSpec.builder(GENERATED)
            .addMember("value", "$S", "dev.kiln.processor.KilnProcessor")
            .addMember("comments", "$S", "from " + g.sourceFile())
            .build())
        .addJavadoc(
            "Model {@code $L}, generated by Kiln from {@code $L}$L.\n",
            g.name(),
            g.sourceFile(),
            prec == Precision.F64 ? " in double precision, for gradient checks" : "")
        .addJavadoc(
            "\n<p>$L parameters. Activation arena: $L elements.\n",
            g.parameterCount(),
            plan.formula());
    declareDims(type);
    declareConfig(type);
    declareParams(type);
    type.addField(
        FieldSpec.builder(MODEL_SPEC, "SPEC", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("Parameters, inputs, outputs and configuration of this model.\n")
            .initializer("buildSpec()")
            .build());
    declareInputs(type);
    declareArena(type);
    declareMasks(type);
    type.addMethod(MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PUBLIC)
        .addStatement("super(SPEC)")
        .build());
    specMethods(type);
    bindMethod(type);
    layerMethods(type);
    outputMethods(type);
    if (prec == Precision.F32) {
      DecodePlan decode = DecodePlan.of(g);
      if (decode != null) {
        decodeMethods(type, decode);
      }
    }
    return JavaFile.builder(pkg, type.build())
        .skipJavaLangImports(true)
        .addFileComment("Generated by Kiln from $L. Do not edit.", g.sourceFile())
        .indent("  ")
        .build();
  }

  // -----------------------------------------------------------------------------------------------
  // Declarations

  private void declareDims(TypeSpec.Builder type) {
    for (RuntimeDim d : g.dims()) {
      String f = names.newName(d.name(), "dim:" + d.name());
      dimFields.put(d.name(), f);
      type.addField(FieldSpec.builder(TypeName.INT, f, Modifier.PRIVATE)
          .addJavadoc(
              "Run-time dim $L$L, bound from the inputs.\n",
              d.name(),
              d.max() > 0 ? " (at most " + d.max() + ")" : "")
          .build());
    }
  }

  private void declareConfig(TypeSpec.Builder type) {
    for (Map.Entry<String, Object> e : g.config().entrySet()) {
      String f = names.newName(constantName(e.getKey()), "config:" + e.getKey());
      configConstants.put(e.getKey(), f);
      Object v = e.getValue();
      FieldSpec.Builder field;
      if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
        field = FieldSpec.builder(TypeName.INT, f).initializer("$L", l);
      } else if (v instanceof Long l) {
        field = FieldSpec.builder(TypeName.LONG, f).initializer("$LL", l);
      } else if (v instanceof Double d) {
        field = FieldSpec.builder(TypeName.DOUBLE, f).initializer("$L", doubleLiteral(d));
      } else if (v instanceof Boolean b) {
        field = FieldSpec.builder(TypeName.BOOLEAN, f).initializer("$L", b);
      } else {
        field = FieldSpec.builder(String.class, f).initializer("$S", String.valueOf(v));
      }
      type.addField(field
          .addModifiers(Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
          .addJavadoc("Configuration parameter {@code $L}.\n", e.getKey())
          .build());
    }
  }

  private void declareParams(TypeSpec.Builder type) {
    for (Param p : g.params()) {
      String f = names.newName("P_" + constantName(p.name()), "param:" + p.name());
      paramConstants.put(p.name(), f);
      type.addField(
          FieldSpec.builder(TypeName.INT, f, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
              .addJavadoc("$L $L\n", p.name(), p.shape())
              .initializer("$L", plan.paramOffsets().get(p.name()))
              .build());
    }
  }

  private void declareInputs(TypeSpec.Builder type) {
    for (Value in : g.inputs()) {
      String f = names.newName(javaName(in.name()), "input:" + in.name());
      inputFields.put(in.name(), f);
      TypeName t = in.dtype() == DType.INT ? ArrayTypeName.of(TypeName.INT) : array;
      type.addField(FieldSpec.builder(t, f, Modifier.PRIVATE)
          .addJavadoc("Input $L $L.\n", in.name(), in.shape())
          .build());
    }
  }

  private void declareArena(TypeSpec.Builder type) {
    for (Node n : g.nodes()) {
      for (Value v : n.outputs()) {
        if (plan.slots().containsKey(v.id()) && !arenaFields.containsKey(v.id())) {
          String f = names.newName("a" + v.id() + "_" + javaName(v.name()), "arena:" + v.id());
          arenaFields.put(v.id(), f);
          type.addField(FieldSpec.builder(TypeName.INT, f, Modifier.PRIVATE)
              .addJavadoc(
                  "Arena offset of $L $L$L.\n",
                  v,
                  v.shape(),
                  v.role() == Role.GRAD ? " (gradient)" : "")
              .build());
        }
      }
    }
    for (Value v : plan.intValues()) {
      String f = names.newName("i" + v.id() + "_" + javaName(v.name()), "int:" + v.id());
      intFields.put(v.id(), f);
      type.addField(FieldSpec.builder(ArrayTypeName.of(TypeName.INT), f, Modifier.PRIVATE)
          .addJavadoc("$L $L.\n", v, v.shape())
          .initializer("new int[0]")
          .build());
    }
    for (Node n : g.forwardNodes()) {
      if (n.op() instanceof Op.CrossEntropy) {
        String f = names.newName("valid" + n.id(), "count:" + n.id());
        countFields.put(n.id(), f);
        type.addField(FieldSpec.builder(TypeName.INT, f, Modifier.PRIVATE)
            .addJavadoc("Number of non-ignored targets of $L in the last forward.\n", n.out())
            .build());
      }
    }
  }

  private void declareMasks(TypeSpec.Builder type) {
    for (Node n : g.forwardNodes()) {
      if (n.op() instanceof Op.Attention a) {
        String f = names.newName("MASK_" + n.id(), "mask:" + n.id());
        maskFields.put(n.id(), f);
        type.addField(FieldSpec.builder(MASK, f, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("Mask of $L: $L\n", n.out(), a.mask())
            .initializer(maskCode(MaskExpr.withoutPadding(a.mask())))
            .build());
      }
    }
  }

  private static CodeBlock maskCode(MaskExpr m) {
    return switch (m) {
      case MaskExpr.Full f -> CodeBlock.of("$T.full()", MASKS);
      case MaskExpr.Causal c -> CodeBlock.of("$T.causal()", MASKS);
      case MaskExpr.Band b -> CodeBlock.of("$T.band($L)", MASKS, b.width());
      case MaskExpr.Strided s -> CodeBlock.of("$T.strided($L)", MASKS, s.stride());
      case MaskExpr.Fixed f -> CodeBlock.of("$T.fixed($L, $L)", MASKS, f.l(), f.c());
      case MaskExpr.And a ->
        CodeBlock.of("$T.and($L, $L)", MASKS, maskCode(a.a()), maskCode(a.b()));
      case MaskExpr.Or o -> CodeBlock.of("$T.or($L, $L)", MASKS, maskCode(o.a()), maskCode(o.b()));
      case MaskExpr.Not n -> CodeBlock.of("$T.not($L)", MASKS, maskCode(n.a()));
      case MaskExpr.Padding p -> CodeBlock.of("$T.full()", MASKS);
    };
  }

  // -----------------------------------------------------------------------------------------------
  // The spec

  private void specMethods(TypeSpec.Builder type) {
    ClassName builder = MODEL_SPEC.nestedClass("Builder");
    MethodSpec.Builder spec = MethodSpec.methodBuilder("buildSpec")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(MODEL_SPEC)
        .addStatement("$T b = $T.builder($S, $S)", builder, MODEL_SPEC, g.name(), g.sourceFile());
    for (Map.Entry<String, Object> e : g.config().entrySet()) {
      Object v = e.getValue();
      CodeBlock value = v instanceof Long l
          ? CodeBlock.of("$LL", l)
          : v instanceof Double d
              ? CodeBlock.of("$L", doubleLiteral(d))
              : v instanceof Boolean b
                  ? CodeBlock.of("$L", b)
                  : CodeBlock.of("$S", String.valueOf(v));
      spec.addStatement("b.config($S, $L)", e.getKey(), value);
    }
    for (RuntimeDim d : g.dims()) {
      spec.addStatement("b.dim($S, $L)", d.name(), d.max());
    }
    for (Value in : g.inputs()) {
      spec.addStatement(
          "b.input($S, $T.$L$L)",
          in.name(),
          DTYPE,
          in.dtype() == DType.INT ? "I32" : prec == Precision.F32 ? "F32" : "F64",
          dimArgs(in.shape()));
    }
    inputBounds().forEach((name, bound) -> spec.addStatement("b.inputBound($S, $S)", name, bound));
    for (Map.Entry<String, Value> e : g.outputs().entrySet()) {
      spec.addStatement("b.output($S$L)", e.getKey(), dimArgs(e.getValue().shape()));
    }
    if (g.loss() != null) {
      for (Map.Entry<String, Value> e : g.outputs().entrySet()) {
        if (e.getValue().equals(g.loss())) {
          spec.addStatement("b.loss($S)", e.getKey());
          break;
        }
      }
    }
    List<CodeBlock> params = new ArrayList<>();
    for (Param p : g.params()) {
      StringBuilder shape = new StringBuilder();
      for (Dim d : p.shape().dims()) {
        shape.append(", ").append(((Dim.Fixed) d).size());
      }
      params.add(CodeBlock.of(
          "b.param($S, $N, $L, $L$L)",
          p.name(),
          paramConstants.get(p.name()),
          initCode(p.init()),
          p.decay(),
          shape));
    }
    chunked(type, spec, "specParams", params, builder, "b");
    spec.addStatement("b.parameterCount($LL)", plan.parameterCount());
    spec.addStatement("return b.build()");
    type.addMethod(spec.build());
  }

  /** Adds statements to {@code target}, spilling them into helper methods when there are many. */
  private void chunked(
      TypeSpec.Builder type,
      MethodSpec.Builder target,
      String helper,
      List<CodeBlock> stmts,
      TypeName argType,
      String arg) {
    if (stmts.size() <= CHUNK) {
      stmts.forEach(target::addStatement);
      return;
    }
    for (int start = 0, k = 0; start < stmts.size(); start += CHUNK, k++) {
      String name = names.newName(helper + k);
      MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE);
      if (argType != null) {
        m.addModifiers(Modifier.STATIC).addParameter(argType, arg);
      }
      stmts.subList(start, Math.min(stmts.size(), start + CHUNK)).forEach(m::addStatement);
      type.addMethod(m.build());
      target.addStatement(argType != null ? "$N($N)" : "$N()", name, arg);
    }
  }

  /** Exclusive upper bounds of integer inputs implied by their uses (table rows, classes, lengths). */
  private Map<String, String> inputBounds() {
    Map<String, String> bounds = new LinkedHashMap<>();
    for (Node n : g.forwardNodes()) {
      switch (n.op()) {
        case Op.Embedding e ->
          bound(bounds, n.inputs().get(0), n.inputs().get(1).shape().dim(0));
        case Op.CrossEntropy ce ->
          bound(bounds, n.inputs().get(1), n.inputs().get(0).shape().last());
        case Op.Attention a
        when a.lengthsInput() != null -> {
          Value keys = a.cross() ? n.inputs().get(1) : n.inputs().get(0);
          if (n.inputs().getLast().role() == Role.INPUT) {
            bounds.put(n.inputs().getLast().name(), "<=" + keys.shape().dim(1)); // lengths: 1..Tk
          }
        }
        default -> {}
      }
    }
    return bounds;
  }

  private static void bound(Map<String, String> bounds, Value v, Dim limit) {
    if (v.role() == Role.INPUT && v.dtype() == DType.INT) {
      String b = limit.toString();
      bounds.merge(v.name(), b, (old, now) -> old.equals(now) ? old : minBound(old, now));
    }
  }

  private static String minBound(String a, String b) {
    boolean an = a.chars().allMatch(Character::isDigit);
    boolean bn = b.chars().allMatch(Character::isDigit);
    if (an && bn) {
      return Integer.parseInt(a) <= Integer.parseInt(b) ? a : b;
    }
    return an ? a : b;
  }

  private static CodeBlock initCode(Init init) {
    return switch (init) {
      case Init.Normal n -> CodeBlock.of("$T.normal($L)", INIT, doubleLiteral(n.std()));
      case Init.TruncatedNormal n ->
        CodeBlock.of("$T.truncatedNormal($L)", INIT, doubleLiteral(n.std()));
      case Init.Uniform u -> CodeBlock.of("$T.uniform($L)", INIT, doubleLiteral(u.bound()));
      case Init.Constant c -> CodeBlock.of("$T.constant($L)", INIT, doubleLiteral(c.value()));
    };
  }

  private static String dimArgs(Shape s) {
    StringBuilder sb = new StringBuilder();
    for (Dim d : s.dims()) {
      sb.append(", \"").append(d).append('"');
    }
    return sb.toString();
  }

  // -----------------------------------------------------------------------------------------------
  // Binding dims and planning the arena

  private void bindMethod(TypeSpec.Builder type) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("bind")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .addParameter(ArrayTypeName.of(TypeName.INT), "dims")
        .addParameter(ArrayTypeName.of(ClassName.OBJECT), "inputs");
    for (int i = 0; i < g.dims().size(); i++) {
      m.addStatement("$N = dims[$L]", dimFields.get(g.dims().get(i).name()), i);
    }
    for (int i = 0; i < g.inputs().size(); i++) {
      Value in = g.inputs().get(i);
      TypeName t = in.dtype() == DType.INT ? ArrayTypeName.of(TypeName.INT) : array;
      m.addStatement("$N = ($T) inputs[$L]", inputFields.get(in.name()), t, i);
    }
    m.addComment(
        "Arena layout: groups of values of one size monomial, side by side; within a group, offsets reused by liveness.");
    List<String> bases = new ArrayList<>();
    String previous = "0L";
    for (int gi = 0; gi < plan.groups().size(); gi++) {
      MemoryPlan.Group gr = plan.groups().get(gi);
      String base = "g" + gi;
      m.addStatement("long $L = $L", base, previous);
      bases.add(base);
      previous = base + " + " + gr.peak() + "L" + monomialCode(gr.monomial());
    }
    m.addStatement("ensureArena($L)", previous);
    List<CodeBlock> offsets = new ArrayList<>();
    for (Map.Entry<Integer, String> e : arenaFields.entrySet()) {
      MemoryPlan.Slot s = plan.slots().get(e.getKey());
      MemoryPlan.Group gr = plan.groups().get(s.group());
      offsets.add(
          s.offset() == 0
              ? CodeBlock.of("$N = (int) $L", e.getValue(), bases.get(s.group()))
              : CodeBlock.of(
                  "$N = (int) ($L + $LL$L)",
                  e.getValue(),
                  bases.get(s.group()),
                  s.offset(),
                  monomialCode(gr.monomial())));
    }
    if (offsets.size() <= CHUNK) {
      offsets.forEach(m::addStatement);
    } else {
      // Offsets of huge models are spread over helpers that recompute the group bases.
      for (int start = 0, k = 0; start < offsets.size(); start += CHUNK, k++) {
        String name = names.newName("planOffsets" + k);
        MethodSpec.Builder h = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE);
        for (int gi = 0; gi < bases.size(); gi++) {
          h.addParameter(TypeName.LONG, bases.get(gi));
        }
        offsets.subList(start, Math.min(offsets.size(), start + CHUNK)).forEach(h::addStatement);
        type.addMethod(h.build());
        m.addStatement("$N($L)", name, String.join(", ", bases));
      }
    }
    for (Map.Entry<Integer, String> e : intFields.entrySet()) {
      Value v = intValue(e.getKey());
      String n = count(v.shape());
      m.beginControlFlow("if ($N.length != $L)", e.getValue(), n)
          .addStatement("$N = new int[$L]", e.getValue(), n)
          .endControlFlow()
          .addStatement("$T.iota($L, $N, 0)", prec.kernels, n, e.getValue());
    }
    type.addMethod(m.build());
  }

  private Value intValue(int id) {
    for (Value v : plan.intValues()) {
      if (v.id() == id) {
        return v;
      }
    }
    throw new IllegalStateException("no int value " + id);
  }

  private String monomialCode(dev.kiln.processor.ir.Shape.Monomial m) {
    StringBuilder sb = new StringBuilder();
    m.powers().forEach((sym, pow) -> {
      for (int i = 0; i < pow; i++) {
        sb.append(" * ").append(dimFields.get(sym));
      }
    });
    return sb.toString();
  }

  // -----------------------------------------------------------------------------------------------
  // Layers

  /**
   * The forward and backward passes, one method per layer: for the CPU, and for float32 models also
   * for a device (the same kernel calls made on {@code DeviceKernels} with device buffers), chosen
   * at the top of {@code runForward} and {@code runBackward}.
   */
  private void layerMethods(TypeSpec.Builder type) {
    passMethods(type, "");
    if (prec == Precision.F32) {
      device = true;
      passMethods(type, "Device");
      device = false;
    }
  }

  private void passMethods(TypeSpec.Builder type, String suffix) {
    MethodSpec.Builder fwd = MethodSpec.methodBuilder("runForward" + suffix)
        .addModifiers(device ? Modifier.PRIVATE : Modifier.PROTECTED)
        .addParameter(TypeName.BOOLEAN, "training");
    if (!device) {
      fwd.addAnnotation(Override.class);
      if (prec == Precision.F32) {
        fwd.beginControlFlow("if (onDevice())")
            .addStatement("runForwardDevice(training)")
            .addStatement("return")
            .endControlFlow();
      }
    }
    for (List<Node> layer : layers(g.forwardNodes())) {
      String name =
          names.newName("forward" + suffix + "_" + javaName(layer.getFirst().layer()));
      MethodSpec.Builder body = MethodSpec.methodBuilder(name);
      String lastSource = null;
      for (int i = 0; i < layer.size(); i++) {
        Node n = layer.get(i);
        if (!n.source().equals(lastSource)) {
          body.addComment("$L", commentSafe(n.source()));
          lastSource = n.source();
        }
        body.addComment("$L", commentSafe(describe(n)));
        Fusion.Kind fused = device ? null : Fusion.pairAt(layer, i);
        if (fused != null) {
          Node next = layer.get(++i);
          body.addComment("$L (fused)", commentSafe(describe(next)));
          forwardFused(body, fused, n, next);
        } else {
          forward(body, n);
        }
      }
      MethodSpec.Builder m = MethodSpec.methodBuilder(name)
          .addModifiers(Modifier.PRIVATE)
          .addParameter(TypeName.BOOLEAN, "training");
      m.addJavadoc(
          "Layer $L: $L\n",
          layer.getFirst().layer(),
          javadocSafe(layer.getFirst().source()));
      withLocals(m, body.build().code());
      type.addMethod(m.build());
      fwd.addStatement("$N(training)", name);
    }
    type.addMethod(fwd.build());

    MethodSpec.Builder bwd = MethodSpec.methodBuilder("runBackward" + suffix)
        .addModifiers(device ? Modifier.PRIVATE : Modifier.PROTECTED)
        .addParameter(TypeName.BOOLEAN, "training");
    if (!device) {
      bwd.addAnnotation(Override.class);
      if (prec == Precision.F32 && g.loss() != null) {
        bwd.beginControlFlow("if (onDevice())")
            .addStatement("runBackwardDevice(training)")
            .addStatement("return")
            .endControlFlow();
      }
    }
    if (g.loss() != null) {
      java.util.Set<Integer> zeroed = new java.util.HashSet<>();
      for (List<Node> layer : layers(g.backwardNodes())) {
        String name =
            names.newName("backward" + suffix + "_" + javaName(layer.getFirst().layer()));
        MethodSpec.Builder m = MethodSpec.methodBuilder(name);
        String lastSource = null;
        for (Node n : layer) {
          if (!n.source().equals(lastSource) && !n.source().isEmpty()) {
            m.addComment("$L", commentSafe(n.source()));
            lastSource = n.source();
          }
          m.addComment("$L", commentSafe(describe(n)));
          for (Value gv : n.outputs()) {
            if (gv.role() == Role.GRAD && zeroed.add(gv.id()) && !(n.op() instanceof Op.Seed)) {
              m.addStatement(
                  "$L.fill($L, a, $N, 0)", kref(), count(gv.shape()), arenaFields.get(gv.id()));
            }
          }
          backward(m, n);
        }
        MethodSpec.Builder method = MethodSpec.methodBuilder(name)
            .addModifiers(Modifier.PRIVATE)
            .addParameter(TypeName.BOOLEAN, "training");
        method.addJavadoc(
            "Backward of layer $L: $L\n",
            layer.getFirst().layer(),
            javadocSafe(layer.getFirst().source()));
        withLocals(method, m.build().code());
        type.addMethod(method.build());
        bwd.addStatement("$N(training)", name);
      }
    }
    type.addMethod(bwd.build());
  }

  /** Adds {@code body} to {@code m}, preceded by local copies of the buffers it uses. */
  private void withLocals(MethodSpec.Builder m, CodeBlock body) {
    String code = body.toString();
    if (device) {
      ClassName buffer = ClassName.get("dev.kiln.runtime.gpu", "Device", "Buffer");
      m.addStatement(
          "final $T k = deviceKernels()", ClassName.get("dev.kiln.runtime.gpu", "DeviceKernels"));
      if (code.contains("p, ")) {
        m.addStatement("final $T p = deviceParams()", buffer);
      }
      if (code.contains("gr, ")) {
        m.addStatement("final $T gr = deviceGrads()", buffer);
      }
      if (code.contains("a, ")) {
        m.addStatement("final $T a = deviceArena()", buffer);
      }
      m.addCode(body);
      return;
    }
    if (code.contains("p, ")) {
      m.addStatement("final $T p = params", array);
    }
    if (code.contains("gr, ")) {
      m.addStatement("final $T gr = grads", array);
    }
    if (code.contains("a, ") || code.contains("a[")) {
      m.addStatement("final $T a = arena", array);
    }
    m.addCode(body);
  }

  /** Consecutive runs of nodes with the same layer label. */
  private static List<List<Node>> layers(List<Node> nodes) {
    List<List<Node>> out = new ArrayList<>();
    for (Node n : nodes) {
      if (out.isEmpty() || !out.getLast().getFirst().layer().equals(n.layer())) {
        out.add(new ArrayList<>());
      }
      out.getLast().add(n);
    }
    return out;
  }

  private static String describe(Node n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n.outputs().size(); i++) {
      Value v = n.outputs().get(i);
      sb.append(i == 0 ? "" : ", ").append(v).append(' ').append(v.shape());
    }
    sb.append(n.op() instanceof Op.Backward ? " += " : " = ")
        .append(n.op().name())
        .append(n.op().attrs())
        .append('(');
    for (int i = 0; i < n.inputs().size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(n.inputs().get(i));
    }
    return sb.append(')').toString();
  }

  // -----------------------------------------------------------------------------------------------
  // Forward lowering

  /** A pair of {@link Fusion} as one CPU kernel call. */
  private void forwardFused(MethodSpec.Builder m, Fusion.Kind kind, Node first, Node second) {
    switch (kind) {
      case LINEAR_ACTIVATION -> {
        Op.Fn fn = ((Op.Pointwise) second.op()).fn();
        String act =
            switch (fn) {
              case RELU -> "RELU";
              case GELU -> "GELU";
              case GELU_TANH -> "GELU_TANH";
              case TANH -> throw new IllegalStateException("tanh is not fused");
            };
        linearFused(m, first, (Op.Linear) first.op(), act, second.out());
      }
      case ADD_LAYER_NORM -> {
        Value sum = first.out();
        Op.LayerNorm ln = (Op.LayerNorm) second.op();
        List<Value> lnIn = second.inputs();
        m.addStatement(
            "$L.addLayerNorm($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            kref(),
            count(sum.shape().dropLast(1)),
            dimCode(sum.shape().last()),
            loc(first.inputs().get(0)),
            loc(first.inputs().get(1)),
            loc(sum),
            loc(lnIn.get(1)),
            loc(lnIn.get(2)),
            doubleLiteral(ln.eps()),
            loc(second.outputs().get(0)),
            loc(second.outputs().get(1)),
            loc(second.outputs().get(2)));
      }
    }
  }

  /**
   * A dense layer through the fused {@code linear} kernel: the product and its bias, and, when
   * {@code act} names one, the activation into {@code activated}.
   */
  private void linearFused(MethodSpec.Builder m, Node n, Op.Linear l, String act, Value activated) {
    List<Value> in = n.inputs();
    Shape x = in.get(0).shape();
    String kk = dimCode(x.last());
    String nn = dimCode(n.out().shape().last());
    m.addStatement(
        "$L.linear($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $T.$L, $L)",
        kref(),
        l.transposed(),
        count(x.dropLast(1)),
        nn,
        kk,
        loc(in.get(0)),
        kk,
        loc(in.get(1)),
        l.transposed() ? kk : nn,
        l.bias() ? loc(in.get(2)) : "null, 0",
        loc(n.out()),
        ClassName.get("dev.kiln.runtime.cpu", "Activation"),
        act == null ? "NONE" : act,
        activated == null ? "null, 0" : loc(activated));
  }

  private void forward(MethodSpec.Builder m, Node n) {
    List<Value> in = n.inputs();
    Value out = n.out();
    CodeBlock k = kref();
    switch (n.op()) {
      case Op.Iota i -> m.addComment("positions are filled when the dims are bound");
      case Op.Sinusoidal s ->
        m.addStatement("$L.sinusoidal($L, $L, $L)", k, dimCode(s.length()), s.width(), loc(out));
      case Op.Embedding e ->
        m.addStatement(
            "$L.embedding($L, $L, $L, $L, $L, $L)",
            k,
            count(in.get(0).shape()),
            loc(in.get(0)),
            loc(in.get(1)),
            dimCode(in.get(1).shape().dim(0)),
            dimCode(in.get(1).shape().dim(1)),
            loc(out));
      case Op.Binary b ->
        m.addStatement(
            "$L.$L($L, $L, $L, $L, $L)",
            k,
            b.kind().op,
            count(in.get(0).shape()),
            loc(in.get(0)),
            loc(in.get(1)),
            count(in.get(1).shape()),
            loc(out));
      case Op.Scale s ->
        m.addStatement(
            "$L.scale($L, $L, $L, $L)",
            k,
            count(out.shape()),
            loc(in.get(0)),
            doubleLiteral(s.factor()),
            loc(out));
      case Op.Linear l when l.bias() && !device -> linearFused(m, n, l, null, null);
      case Op.Linear l -> {
        Shape x = in.get(0).shape();
        String kk = dimCode(x.last());
        String nn = dimCode(out.shape().last());
        String rows = count(x.dropLast(1));
        m.addStatement(
            "$L.gemm(false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, false)",
            k,
            l.transposed(),
            rows,
            nn,
            kk,
            loc(in.get(0)),
            kk,
            loc(in.get(1)),
            l.transposed() ? kk : nn,
            loc(out),
            nn);
        if (l.bias()) {
          m.addStatement("$L.addBias($L, $L, $L, $L)", k, rows, nn, loc(out), loc(in.get(2)));
        }
      }
      case Op.MatMul mm -> matmulForward(m, n, mm);
      case Op.LayerNorm ln ->
        m.addStatement(
            "$L.layerNorm($L, $L, $L, $L, $L, $L, $L, $L, $L)",
            k,
            count(in.get(0).shape().dropLast(1)),
            dimCode(in.get(0).shape().last()),
            loc(in.get(0)),
            loc(in.get(1)),
            loc(in.get(2)),
            doubleLiteral(ln.eps()),
            loc(out),
            loc(n.outputs().get(1)),
            loc(n.outputs().get(2)));
      case Op.Pointwise pw ->
        m.addStatement(
            "$L.$L($L, $L, $L)",
            k,
            kernelName(pw.fn()),
            count(out.shape()),
            loc(in.get(0)),
            loc(out));
      case Op.Softmax s ->
        m.addStatement(
            "$L.softmax($L, $L, $L, $L)",
            k,
            count(out.shape().dropLast(1)),
            dimCode(out.shape().last()),
            loc(in.get(0)),
            loc(out));
      case Op.Dropout d -> {
        m.beginControlFlow("if (training)")
            .addStatement(
                "$L.dropout($L, $L, dropoutSeed($L), $L, $L)",
                k,
                count(out.shape()),
                doubleLiteral(d.p()),
                n.id(),
                loc(in.get(0)),
                loc(out))
            .nextControlFlow("else");
        if (MemoryPlan.aliasedWhenEval(n)) {
          // Dropout is the identity: readers of the output read the input where it is (bind() sets
          // the planned offset again before the next pass; the plan keeps the input live).
          m.addStatement(
              "$N = $N", arenaFields.get(out.id()), arenaFields.get(in.get(0).id()));
        } else {
          m.addStatement(
              "$L.scale($L, $L, 1.0, $L)", k, count(out.shape()), loc(in.get(0)), loc(out));
        }
        m.endControlFlow();
      }
      case Op.Attention at -> {
        m.addStatement(
            "$L.attention($L, $L, $L, $L, $L, $L, $L, $L)",
            k,
            attentionDims(n, at),
            attentionQkv(n, at, false),
            loc(out),
            loc(n.outputs().get(1)),
            doubleLiteral(at.scale()),
            maskField(n),
            lengths(at),
            at.dropout() > 0
                ? CodeBlock.of(
                    "training ? $L : 0.0, dropoutSeed($L)", doubleLiteral(at.dropout()), n.id())
                : CodeBlock.of("0.0, 0L"));
        if (prec == Precision.F32 && !device) {
          // Attention capture for visualisation: a copy of q and k, only when asked for.
          String[] qkv = attentionQkv(n, at, false).split(", ");
          m.beginControlFlow("if (captured != null)")
              .addStatement(
                  "captured.add($T.copy($S, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L))",
                  ClassName.get("dev.kiln.runtime.model", "AttentionSite"),
                  n.layer() + " / " + n.out().name(),
                  attentionDims(n, at),
                  qkv[0],
                  qkv[1],
                  qkv[2],
                  qkv[3],
                  qkv[4],
                  qkv[5],
                  doubleLiteral(at.scale()),
                  maskField(n),
                  lengths(at))
              .endControlFlow();
        }
      }
      case Op.Slice s -> {
        Shape x = in.get(0).shape();
        m.addStatement(
            "$L.copyAxis($L, $L, $L, $L, $L, $L, $L, $L, 0, false)",
            k,
            prod(x, 0, s.axis()),
            s.length(),
            prod(x, s.axis() + 1, x.rank()),
            loc(in.get(0)),
            dimCode(x.dim(s.axis())),
            sliceStart(x, s),
            loc(out),
            s.length());
      }
      case Op.Concat c -> {
        Shape y = out.shape();
        int start = 0;
        for (Value v : in) {
          int len = ((Dim.Fixed) v.shape().dim(c.axis())).size();
          m.addStatement(
              "$L.copyAxis($L, $L, $L, $L, $L, 0, $L, $L, $L, false)",
              k,
              prod(y, 0, c.axis()),
              len,
              prod(y, c.axis() + 1, y.rank()),
              loc(v),
              len,
              loc(out),
              dimCode(y.dim(c.axis())),
              start);
          start += len;
        }
      }
      case Op.CrossEntropy ce -> {
        Value logits = in.get(0);
        Value targets = in.get(1);
        String rows = count(targets.shape());
        String v = dimCode(logits.shape().last());
        // The count of valid targets is taken on the host, where the targets are.
        m.addStatement(
            "$N = $T.countValid($L, $L, $L)",
            countFields.get(n.id()),
            prec.kernels,
            rows,
            hostLoc(targets),
            ce.ignoreIndex());
        if (device) {
          m.addStatement(
              "$L.crossEntropyMean($L, $L, $L, $L, $L, $L, $L, $N, $L)",
              k,
              rows,
              v,
              loc(logits),
              loc(targets),
              ce.ignoreIndex(),
              doubleLiteral(ce.smoothing()),
              loc(n.outputs().get(1)),
              countFields.get(n.id()),
              loc(out));
          return;
        }
        m.addStatement(
            "double sum$L = $L.crossEntropy($L, $L, $L, $L, $L, $L, $L)",
            n.id(),
            k,
            rows,
            v,
            loc(logits),
            loc(targets),
            ce.ignoreIndex(),
            doubleLiteral(ce.smoothing()),
            loc(n.outputs().get(1)));
        m.addStatement(
            "a[$N] = $L($N == 0 ? 0 : sum$L / $N)",
            arenaFields.get(out.id()),
            prec.cast(),
            countFields.get(n.id()),
            n.id(),
            countFields.get(n.id()));
      }
      case Op.Mean mean -> {
        if (device) {
          m.addStatement(
              "$L.mean($L, $L, $L, $L)",
              k,
              count(in.get(0).shape()),
              loc(in.get(0)),
              countDouble(in.get(0).shape()),
              loc(out));
        } else {
          m.addStatement(
              "a[$N] = $L($L.sum($L, $L) / $L)",
              arenaFields.get(out.id()),
              prec.cast(),
              k,
              count(in.get(0).shape()),
              loc(in.get(0)),
              countDouble(in.get(0).shape()));
        }
      }
      case Op.Seed s -> throw new IllegalStateException("seed in forward");
      case Op.Backward b -> throw new IllegalStateException("backward in forward");
    }
  }

  private void matmulForward(MethodSpec.Builder m, Node n, Op.MatMul mm) {
    Value a = n.inputs().get(0);
    Value b = n.inputs().get(1);
    Shape as = a.shape();
    String mDim = dimCode(as.dim(-2));
    String kDim = dimCode(as.last());
    String nDim = dimCode(n.out().shape().last());
    String ldb = mm.transposeB() ? kDim : nDim;
    if (b.shape().rank() == 2) {
      m.addStatement(
          "$L.gemm(false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, false)",
          kref(),
          mm.transposeB(),
          count(as.dropLast(1)),
          nDim,
          kDim,
          loc(a),
          kDim,
          loc(b),
          ldb,
          loc(n.out()),
          nDim);
    } else {
      m.addStatement(
          "$L.gemmBatched($L, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, false)",
          kref(),
          count(as.dropLast(2)),
          mm.transposeB(),
          mDim,
          nDim,
          kDim,
          loc(a),
          mDim + " * " + kDim,
          kDim,
          loc(b),
          kDim + " * " + nDim,
          ldb,
          loc(n.out()),
          mDim + " * " + nDim,
          nDim);
    }
  }

  /** The start of a slice as code: a constant, or {@code T - k} for a negative start on a run-time dim. */
  private String sliceStart(Shape x, Op.Slice s) {
    return s.start() >= 0
        ? Integer.toString(s.start())
        : "(" + dimCode(x.dim(s.axis())) + " - " + Math.negateExact(s.start()) + ")";
  }

  private String attentionDims(Node n, Op.Attention at) {
    Value q = n.inputs().get(0);
    Value kv = at.cross() ? n.inputs().get(1) : q;
    return dimCode(q.shape().dim(0)) + ", " + dimCode(q.shape().dim(1)) + ", "
        + dimCode(kv.shape().dim(1)) + ", " + at.heads() + ", " + at.headDim();
  }

  /** The q, k, v (array, offset, stride) triples, of the forward values or of their gradients. */
  private String attentionQkv(Node n, Op.Attention at, boolean grads) {
    int hd = at.heads() * at.headDim();
    Value q = n.inputs().get(0);
    if (!at.cross()) {
      String base = grads ? gradLoc(q) : loc(q);
      return qkvTriple(base, 0, 3 * hd) + ", " + qkvTriple(base, hd, 3 * hd) + ", "
          + qkvTriple(base, 2 * hd, 3 * hd);
    }
    Value kv = n.inputs().get(1);
    String qb = grads ? gradLoc(q) : loc(q);
    String kvb = grads ? gradLoc(kv) : loc(kv);
    return qkvTriple(qb, 0, hd) + ", " + qkvTriple(kvb, 0, 2 * hd) + ", "
        + qkvTriple(kvb, hd, 2 * hd);
  }

  private static String qkvTriple(String loc, int extra, int stride) {
    return (extra == 0 ? loc : loc + " + " + extra) + ", " + stride;
  }

  private String maskField(Node forwardNode) {
    return maskFields.get(forwardNode.id());
  }

  private String lengths(Op.Attention at) {
    String l = at.lengthsInput();
    if (l == null) {
      return "null";
    }
    return device ? "k.ints(" + inputFields.get(l) + ")" : inputFields.get(l);
  }

  /** The receiver of kernel calls: the CPU kernel class, or the device kernels {@code k}. */
  private CodeBlock kref() {
    return device ? CodeBlock.of("k") : CodeBlock.of("$T", prec.kernels);
  }

  // -----------------------------------------------------------------------------------------------
  // Backward lowering

  private void backward(MethodSpec.Builder m, Node n) {
    CodeBlock k = kref();
    if (n.op() instanceof Op.Seed) {
      if (device) {
        m.addStatement("$L.fill(1, a, $N, 1.0)", k, arenaFields.get(n.out().id()));
      } else {
        m.addStatement("a[$N] = 1", arenaFields.get(n.out().id()));
      }
      return;
    }
    Op.Backward b = (Op.Backward) n.op();
    Node f = b.forward();
    List<Value> in = f.inputs();
    Value dy = n.inputs().getFirst();
    String dyLoc = loc(dy);
    switch (f.op()) {
      case Op.Embedding e ->
        m.addStatement(
            "$L.embeddingBackward($L, $L, $L, $L, $L, $L)",
            k,
            count(in.get(0).shape()),
            loc(in.get(0)),
            dyLoc,
            gradLoc(n, 1),
            dimCode(in.get(1).shape().dim(0)),
            dimCode(in.get(1).shape().dim(1)));
      case Op.Binary bin -> {
        String nn = count(in.get(0).shape());
        String bn = count(in.get(1).shape());
        if (bin.kind() == Op.Arith.MUL) {
          m.addStatement(
              "$L.mulBackward($L, $L, $L, $L, $L, $L, $L)",
              k,
              nn,
              bn,
              dyLoc,
              loc(in.get(0)),
              loc(in.get(1)),
              has(n, 0) ? gradLoc(n, 0) : "null, 0",
              has(n, 1) ? gradLoc(n, 1) : "null, 0");
          break;
        }
        if (has(n, 0)) {
          m.addStatement("$L.accumulate($L, 1.0, $L, $L)", k, nn, dyLoc, gradLoc(n, 0));
        }
        if (has(n, 1)) {
          String alpha = bin.kind() == Op.Arith.SUB ? "-1.0" : "1.0";
          if (in.get(1).shape().equals(in.get(0).shape())) {
            m.addStatement("$L.accumulate($L, $L, $L, $L)", k, nn, alpha, dyLoc, gradLoc(n, 1));
          } else {
            m.addStatement(
                "$L.reduceBroadcast($L, $L, $L, $L, $L)", k, nn, bn, alpha, dyLoc, gradLoc(n, 1));
          }
        }
      }
      case Op.Scale s ->
        m.addStatement(
            "$L.accumulate($L, $L, $L, $L)",
            k,
            count(in.get(0).shape()),
            doubleLiteral(s.factor()),
            dyLoc,
            gradLoc(n, 0));
      case Op.Linear l -> {
        Shape x = in.get(0).shape();
        String kk = dimCode(x.last());
        String nn = dimCode(f.out().shape().last());
        String rows = count(x.dropLast(1));
        if (has(n, 0)) {
          // dx[M,K] += dy[M,N] · op(W)ᵀ
          m.addStatement(
              "$L.gemm(false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
              k,
              !l.transposed(),
              rows,
              kk,
              nn,
              dyLoc,
              nn,
              loc(in.get(1)),
              l.transposed() ? kk : nn,
              gradLoc(n, 0),
              kk);
        }
        if (has(n, 1)) {
          if (l.transposed()) {
            // dW[N,K] += dyᵀ · x
            m.addStatement(
                "$L.gemm(true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
                k,
                nn,
                kk,
                rows,
                dyLoc,
                nn,
                loc(in.get(0)),
                kk,
                gradLoc(n, 1),
                kk);
          } else {
            // dW[K,N] += xᵀ · dy
            m.addStatement(
                "$L.gemm(true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
                k,
                kk,
                nn,
                rows,
                loc(in.get(0)),
                kk,
                dyLoc,
                nn,
                gradLoc(n, 1),
                nn);
          }
        }
        if (l.bias() && has(n, 2)) {
          m.addStatement("$L.biasBackward($L, $L, $L, $L)", k, rows, nn, dyLoc, gradLoc(n, 2));
        }
      }
      case Op.MatMul mm -> matmulBackward(m, n, f, mm);
      case Op.LayerNorm ln ->
        m.addStatement(
            "$L.layerNormBackward($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            k,
            count(in.get(0).shape().dropLast(1)),
            dimCode(in.get(0).shape().last()),
            dyLoc,
            loc(in.get(0)),
            loc(in.get(1)),
            loc(f.outputs().get(1)),
            loc(f.outputs().get(2)),
            has(n, 0) ? gradLoc(n, 0) : "null, 0",
            has(n, 1) ? gradLoc(n, 1) : "null, 0",
            has(n, 2) ? gradLoc(n, 2) : "null, 0");
      case Op.Pointwise pw ->
        m.addStatement(
            "$L.$LBackward($L, $L, $L, $L)",
            k,
            kernelName(pw.fn()),
            count(in.get(0).shape()),
            pw.fn().readsInput ? loc(in.get(0)) : loc(f.out()),
            dyLoc,
            gradLoc(n, 0));
      case Op.Softmax s ->
        m.addStatement(
            "$L.softmaxBackward($L, $L, $L, $L, $L)",
            k,
            count(f.out().shape().dropLast(1)),
            dimCode(f.out().shape().last()),
            loc(f.out()),
            dyLoc,
            gradLoc(n, 0));
      case Op.Dropout d ->
        m.beginControlFlow("if (training)")
            .addStatement(
                "$L.dropoutBackward($L, $L, dropoutSeed($L), $L, $L)",
                k,
                count(in.get(0).shape()),
                doubleLiteral(d.p()),
                f.id(),
                dyLoc,
                gradLoc(n, 0))
            .nextControlFlow("else")
            .addStatement(
                "$L.accumulate($L, 1.0, $L, $L)", k, count(in.get(0).shape()), dyLoc, gradLoc(n, 0))
            .endControlFlow();
      case Op.Attention at -> {
        if (!has(n, 0) || (at.cross() && !has(n, 1))) {
          throw new IllegalStateException("attention inputs without gradients are not supported");
        }
        m.addStatement(
            "$L.attentionBackward($L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            k,
            attentionDims(f, at),
            attentionQkv(f, at, false),
            loc(f.out()),
            dyLoc,
            loc(f.outputs().get(1)),
            attentionQkvGrads(n, at),
            doubleLiteral(at.scale()),
            maskField(f),
            lengths(at),
            at.dropout() > 0
                ? CodeBlock.of(
                    "training ? $L : 0.0, dropoutSeed($L)", doubleLiteral(at.dropout()), f.id())
                : CodeBlock.of("0.0, 0L"));
        if (prec == Precision.F32 && !device) {
          // Attention capture for visualisation: a copy of q and k, only when asked for.
          String[] qkv = attentionQkv(n, at, false).split(", ");
          m.beginControlFlow("if (captured != null)")
              .addStatement(
                  "captured.add($T.copy($S, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L))",
                  ClassName.get("dev.kiln.runtime.model", "AttentionSite"),
                  n.layer() + " / " + n.out().name(),
                  attentionDims(n, at),
                  qkv[0],
                  qkv[1],
                  qkv[2],
                  qkv[3],
                  qkv[4],
                  qkv[5],
                  doubleLiteral(at.scale()),
                  maskField(n),
                  lengths(at))
              .endControlFlow();
        }
      }
      case Op.Slice s -> {
        Shape x = in.get(0).shape();
        m.addStatement(
            "$L.copyAxis($L, $L, $L, $L, $L, 0, $L, $L, $L, true)",
            k,
            prod(x, 0, s.axis()),
            s.length(),
            prod(x, s.axis() + 1, x.rank()),
            dyLoc,
            s.length(),
            gradLoc(n, 0),
            dimCode(x.dim(s.axis())),
            sliceStart(x, s));
      }
      case Op.Concat c -> {
        Shape y = f.out().shape();
        int start = 0;
        for (int i = 0; i < in.size(); i++) {
          int len = ((Dim.Fixed) in.get(i).shape().dim(c.axis())).size();
          if (has(n, i)) {
            m.addStatement(
                "$L.copyAxis($L, $L, $L, $L, $L, $L, $L, $L, 0, true)",
                k,
                prod(y, 0, c.axis()),
                len,
                prod(y, c.axis() + 1, y.rank()),
                dyLoc,
                dimCode(y.dim(c.axis())),
                start,
                gradLoc(n, i),
                len);
          }
          start += len;
        }
      }
      case Op.CrossEntropy ce -> {
        String valid = countFields.get(f.id());
        if (device) {
          // The scale d_loss / valid is read on the device.
          m.addStatement(
              "$L.crossEntropyBackward($L, $L, $L, $L, $L, $L, $L, a, $N, $N, $L)",
              k,
              count(in.get(1).shape()),
              dimCode(in.get(0).shape().last()),
              loc(in.get(0)),
              loc(in.get(1)),
              ce.ignoreIndex(),
              doubleLiteral(ce.smoothing()),
              loc(f.outputs().get(1)),
              arenaFields.get(dy.id()),
              valid,
              gradLoc(n, 0));
          return;
        }
        m.addStatement(
            "$L.crossEntropyBackward($L, $L, $L, $L, $L, $L, $L, $N == 0 ? 0.0 : a[$N] / $N, $L)",
            k,
            count(in.get(1).shape()),
            dimCode(in.get(0).shape().last()),
            loc(in.get(0)),
            loc(in.get(1)),
            ce.ignoreIndex(),
            doubleLiteral(ce.smoothing()),
            loc(f.outputs().get(1)),
            valid,
            arenaFields.get(dy.id()),
            valid,
            gradLoc(n, 0));
      }
      case Op.Mean mean -> {
        String count = count(in.get(0).shape());
        m.addStatement(
            device
                ? "$L.accumulateScalar($L, a, $N, $L, $L)"
                : "$L.accumulateScalar($L, a[$N] / $L, $L)",
            k,
            count,
            arenaFields.get(dy.id()),
            countDouble(in.get(0).shape()),
            gradLoc(n, 0));
      }
      default ->
        throw new IllegalStateException("no backward lowering for " + f.op().name());
    }
  }

  private String attentionQkvGrads(Node bwd, Op.Attention at) {
    int hd = at.heads() * at.headDim();
    if (!at.cross()) {
      String base = gradLoc(bwd, 0);
      return qkvTriple(base, 0, 3 * hd) + ", " + qkvTriple(base, hd, 3 * hd) + ", "
          + qkvTriple(base, 2 * hd, 3 * hd);
    }
    String qb = gradLoc(bwd, 0);
    String kvb = gradLoc(bwd, 1);
    return qkvTriple(qb, 0, hd) + ", " + qkvTriple(kvb, 0, 2 * hd) + ", "
        + qkvTriple(kvb, hd, 2 * hd);
  }

  private void matmulBackward(MethodSpec.Builder m, Node n, Node f, Op.MatMul mm) {
    CodeBlock k = kref();
    Value a = f.inputs().get(0);
    Value b = f.inputs().get(1);
    Shape as = a.shape();
    String mDim = dimCode(as.dim(-2));
    String kDim = dimCode(as.last());
    String nDim = dimCode(f.out().shape().last());
    String ldb = mm.transposeB() ? kDim : nDim;
    String dy = loc(n.inputs().getFirst());
    if (b.shape().rank() == 2) {
      String rows = count(as.dropLast(1));
      if (has(n, 0)) {
        m.addStatement(
            "$L.gemm(false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
            k,
            !mm.transposeB(),
            rows,
            kDim,
            nDim,
            dy,
            nDim,
            loc(b),
            ldb,
            gradLoc(n, 0),
            kDim);
      }
      if (has(n, 1)) {
        if (mm.transposeB()) {
          m.addStatement(
              "$L.gemm(true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
              k,
              nDim,
              kDim,
              rows,
              dy,
              nDim,
              loc(a),
              kDim,
              gradLoc(n, 1),
              kDim);
        } else {
          m.addStatement(
              "$L.gemm(true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
              k,
              kDim,
              nDim,
              rows,
              loc(a),
              kDim,
              dy,
              nDim,
              gradLoc(n, 1),
              nDim);
        }
      }
      return;
    }
    String batch = count(as.dropLast(2));
    String sa = mDim + " * " + kDim;
    String sb = kDim + " * " + nDim;
    String sy = mDim + " * " + nDim;
    if (has(n, 0)) {
      m.addStatement(
          "$L.gemmBatched($L, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
          k,
          batch,
          !mm.transposeB(),
          mDim,
          kDim,
          nDim,
          dy,
          sy,
          nDim,
          loc(b),
          sb,
          ldb,
          gradLoc(n, 0),
          sa,
          kDim);
    }
    if (has(n, 1)) {
      if (mm.transposeB()) {
        m.addStatement(
            "$L.gemmBatched($L, true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
            k,
            batch,
            nDim,
            kDim,
            mDim,
            dy,
            sy,
            nDim,
            loc(a),
            sa,
            kDim,
            gradLoc(n, 1),
            sb,
            kDim);
      } else {
        m.addStatement(
            "$L.gemmBatched($L, true, false, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, true)",
            k,
            batch,
            kDim,
            nDim,
            mDim,
            loc(a),
            sa,
            kDim,
            dy,
            sy,
            nDim,
            gradLoc(n, 1),
            sb,
            nDim);
      }
    }
  }

  private static boolean has(Node bwd, int forwardInput) {
    return ((Op.Backward) bwd.op()).slotOf(forwardInput) >= 0;
  }

  private String gradLoc(Node bwd, int forwardInput) {
    int slot = ((Op.Backward) bwd.op()).slotOf(forwardInput);
    return loc(bwd.outputs().get(slot));
  }

  private String gradLoc(Value forwardValue) {
    return loc(g.grads().get(forwardValue));
  }

  // -----------------------------------------------------------------------------------------------
  // Incremental decoding with a KV cache

  private void decodeMethods(TypeSpec.Builder type, DecodePlan plan) {
    type.addSuperinterface(ClassName.get("dev.kiln.runtime", "Decoder"));
    String maxField = names.newName("MAX_POSITIONS");
    type.addField(
        FieldSpec.builder(TypeName.INT, maxField, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("Length of the KV caches: the bound of the token dim.\n")
            .initializer("$L", plan.maxPositions())
            .build());
    Map<Integer, String> caches = new LinkedHashMap<>();
    for (Node n : plan.nodes()) {
      if (n.op() instanceof Op.Attention a) {
        String f = names.newName("kv" + n.id());
        caches.put(n.id(), f);
        type.addField(FieldSpec.builder(array, f, Modifier.PRIVATE)
            .addJavadoc(
                "KV cache of $L: [batch, $L, k | v of width $L].\n",
                n.out(),
                plan.maxPositions(),
                a.heads() * a.headDim())
            .initializer("new float[0]")
            .build());
      }
    }
    MethodSpec.Builder decode = MethodSpec.methodBuilder("decode")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(array)
        .addParameter(ArrayTypeName.of(TypeName.INT), "tokens")
        .addParameter(TypeName.INT, "batch")
        .addParameter(TypeName.INT, "count")
        .addParameter(TypeName.INT, "pos");
    decode
        .beginControlFlow("if (pos < 0 || count < 1 || pos + count > $N)", maxField)
        .addStatement(
            "throw new $T($S + pos + $S + (pos + count) + $S + $N)",
            ClassName.get("dev.kiln.runtime", "KilnException"),
            "cannot decode positions ",
            "..",
            " with a cache of ",
            maxField)
        .endControlFlow();
    decode
        .beginControlFlow("if (batch < 1 || tokens.length != batch * count)")
        .addStatement(
            "throw new $T($S + tokens.length + $S + batch + $S + count)",
            ClassName.get("dev.kiln.runtime", "KilnException"),
            "decode got ",
            " tokens for batch ",
            " x count ")
        .endControlFlow();
    decode.addStatement("int[] dims = new int[$L]", g.dims().size());
    for (int i = 0; i < g.dims().size(); i++) {
      String d = g.dims().get(i).name();
      String v = d.equals(((Dim.Sym) plan.tokens().shape().dim(0)).name())
          ? "batch"
          : d.equals(((Dim.Sym) plan.tokens().shape().dim(1)).name()) ? "count" : "1";
      decode.addStatement("dims[$L] = $L", i, v);
    }
    decode.addStatement("Object[] in = new Object[$L]", g.inputs().size());
    decode.addStatement("in[$L] = tokens", g.inputs().indexOf(plan.tokens()));
    decode.addStatement("bind(dims, in)");
    for (Node n : plan.nodes()) {
      if (n.op() instanceof Op.Iota) {
        decode
            .beginControlFlow("for (int i = 0; i < count; i++)")
            .addStatement("$N[i] = pos + i", intFields.get(n.out().id()))
            .endControlFlow();
      }
      if (n.op() instanceof Op.Attention a) {
        String f = caches.get(n.id());
        int width = 2 * a.heads() * a.headDim();
        decode
            .beginControlFlow("if ($N.length != batch * $N * $L)", f, maxField, width)
            .addStatement("$N = new float[batch * $N * $L]", f, maxField, width)
            .endControlFlow();
      }
    }
    for (List<Node> layer : layers(plan.nodes())) {
      String name = names.newName("decode_" + javaName(layer.getFirst().layer()));
      MethodSpec.Builder body = MethodSpec.methodBuilder(name);
      for (Node n : layer) {
        body.addComment("$L", commentSafe(describe(n)));
        switch (n.op()) {
          case Op.Iota i -> body.addComment("positions pos .. pos+count-1 were filled by decode()");
          case Op.Sinusoidal sn ->
            body.addStatement(
                "$T.sinusoidalFrom(pos, $L, $L, $L)",
                prec.kernels,
                dimCode(sn.length()),
                sn.width(),
                loc(n.out()));
          case Op.Attention at -> decodeAttention(body, n, at, caches.get(n.id()), maxField);
          default -> forward(body, n);
        }
      }
      MethodSpec.Builder m = MethodSpec.methodBuilder(name)
          .addModifiers(Modifier.PRIVATE)
          .addParameter(TypeName.INT, "pos");
      m.addJavadoc(
          "Layer $L for new tokens at positions pos.. against the caches.\n",
          layer.getFirst().layer());
      m.addStatement("final boolean training = false");
      withLocals(m, body.build().code());
      type.addMethod(m.build());
      decode.addStatement("$N(pos)", name);
    }
    Value logits = plan.logits();
    String vocab = dimCode(logits.shape().last());
    decode.addStatement("$T out = new float[batch * $L]", array, vocab);
    decode
        .beginControlFlow("for (int b = 0; b < batch; b++)")
        .addStatement(
            "System.arraycopy(arena, $N + (b * count + count - 1) * $L, out, b * $L, $L)",
            arenaFields.get(logits.id()),
            vocab,
            vocab,
            vocab)
        .endControlFlow();
    decode.addStatement("return out");
    type.addMethod(decode.build());
    type.addMethod(MethodSpec.methodBuilder("maxPositions")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.INT)
        .addStatement("return $N", maxField)
        .build());
  }

  /** Appends the new tokens' keys and values to the cache, then attends from them over the cache. */
  private void decodeAttention(
      MethodSpec.Builder m, Node n, Op.Attention at, String cache, String maxField) {
    int hd = at.heads() * at.headDim();
    Value qkv = n.inputs().get(0);
    String b = dimCode(qkv.shape().dim(0));
    String t = dimCode(qkv.shape().dim(1));
    m.beginControlFlow("for (int b = 0; b < $L; b++)", b)
        .addStatement(
            "$T.copyAxis($L, 2, $L, a, $N + b * $L * $L, 3, 1, $N, (b * $N + pos) * $L, 2, 0, false)",
            prec.kernels,
            t,
            hd,
            arenaFields.get(qkv.id()),
            t,
            3 * hd,
            cache,
            maxField,
            2 * hd)
        .endControlFlow();
    m.addStatement("$T mask$L = $T.shift($N, pos)", MASK, n.id(), MASKS, maskFields.get(n.id()));
    m.beginControlFlow("for (int b = 0; b < $L; b++)", b)
        .addStatement(
            "$T.attention(1, $L, pos + $L, $L, $L, a, $N + b * $L * $L, $L, $N, b * $N * $L, $L, $N, b * $N * $L + $L, $L, "
                + "a, $N + b * $L * $L, a, $N + b * $L * $L, $L, mask$L, null, 0.0, 0L)",
            prec.kernels,
            t,
            t,
            at.heads(),
            at.headDim(),
            arenaFields.get(qkv.id()),
            t,
            3 * hd,
            3 * hd,
            cache,
            maxField,
            2 * hd,
            2 * hd,
            cache,
            maxField,
            2 * hd,
            hd,
            2 * hd,
            arenaFields.get(n.out().id()),
            t,
            hd,
            arenaFields.get(n.outputs().get(1).id()),
            at.heads(),
            t,
            doubleLiteral(at.scale()),
            n.id())
        .endControlFlow();
  }

  // -----------------------------------------------------------------------------------------------
  // Outputs

  private void outputMethods(TypeSpec.Builder type) {
    MethodSpec.Builder off = MethodSpec.methodBuilder("outputOffset")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .returns(TypeName.LONG)
        .addParameter(TypeName.INT, "index");
    off.beginControlFlow("return switch (index)");
    int i = 0;
    for (Value v : g.outputs().values()) {
      off.addStatement("case $L -> $N", i++, arenaFields.get(v.id()));
    }
    off.addStatement(
        "default -> throw new $T($S + index)", IndexOutOfBoundsException.class, "no output ");
    off.endControlFlow("");
    type.addMethod(off.build());
    type.addMethod(MethodSpec.methodBuilder("lossOffset")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PROTECTED)
        .returns(TypeName.LONG)
        .addStatement(
            "return $L", g.loss() == null ? "-1" : arenaFields.get(g.loss().id()))
        .build());
    // Typed convenience methods.
    MethodSpec.Builder typed = MethodSpec.methodBuilder("forward")
        .addModifiers(Modifier.PUBLIC)
        .addJavadoc(
            "Runs the forward pass on these inputs; {@code training} enables dropout and backward.\n");
    List<String> entries = new ArrayList<>();
    for (Value in : g.inputs()) {
      String pn = names.newName(javaName(in.name()) + "Input");
      ClassName t = in.dtype() == DType.INT ? TENSOR.nestedClass("I32") : prec.tensor;
      typed.addParameter(t, pn);
      entries.add(in.name());
      entries.add(pn);
    }
    typed.addParameter(TypeName.BOOLEAN, "training");
    CodeBlock.Builder map = CodeBlock.builder().add("$T.of(", Map.class);
    for (int j = 0; j < entries.size(); j += 2) {
      map.add(j == 0 ? "$S, $N" : ", $S, $N", entries.get(j), entries.get(j + 1));
    }
    map.add(")");
    if (g.inputs().size() <= 10) {
      typed.addStatement("forward($L, training)", map.build());
      type.addMethod(typed.build());
    }
    for (String name : g.outputs().keySet()) {
      if (RESERVED.contains(javaName(name))) {
        continue; // e.g. loss(), already inherited as the scalar loss
      }
      type.addMethod(MethodSpec.methodBuilder(names.newName(javaName(name)))
          .addModifiers(Modifier.PUBLIC)
          .returns(prec.tensor)
          .addJavadoc("A copy of output {@code $L} of the last forward.\n", name)
          .addStatement("return ($T) output($S)", prec.tensor, name)
          .build());
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Code helpers

  /** "array, offset" of a value. */
  /**
   * The buffer and offset of {@code v} in a kernel call. In device methods, host arrays (inputs and
   * integer values such as position ids) are handed to the kernels through {@code k.ints} or
   * {@code k.floats}, which upload them.
   */
  private String loc(Value v) {
    String host = hostLoc(v);
    if (!device || host.startsWith("a, ") || host.startsWith("p, ") || host.startsWith("gr, ")) {
      return host;
    }
    String array = host.substring(0, host.length() - ", 0".length());
    return (v.dtype() == DType.INT ? "k.ints(" : "k.floats(") + array + "), 0";
  }

  /** Like {@link #loc} but always the host array (for host-side counts). */
  private String hostLoc(Value v) {
    return switch (v.role()) {
      case PARAM -> "p, " + paramConstants.get(v.name());
      case PARAM_GRAD -> "gr, " + paramConstants.get(v.name());
      case INPUT -> inputFields.get(v.name()) + ", 0";
      case ACTIVATION, GRAD -> {
        if (v.dtype() == DType.INT) {
          yield intFields.get(v.id()) + ", 0";
        }
        String f = arenaFields.get(v.id());
        if (f == null) {
          throw new IllegalStateException("value " + v + " has no arena slot");
        }
        yield "a, " + f;
      }
    };
  }

  private String dimCode(Dim d) {
    return d instanceof Dim.Fixed f
        ? Integer.toString(f.size())
        : dimFields.get(((Dim.Sym) d).name());
  }

  /** Java expression of a shape's element count. */
  private String count(Shape s) {
    return prod(s, 0, s.rank());
  }

  private String countDouble(Shape s) {
    return "(double) (" + count(s) + ")";
  }

  /** Product of dims [from, to) as a Java int expression ("1" when empty). */
  private String prod(Shape s, int from, int to) {
    long c = 1;
    List<String> syms = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Dim d = s.dim(i);
      if (d instanceof Dim.Fixed f) {
        c *= f.size();
      } else {
        syms.add(dimCode(d));
      }
    }
    if (syms.isEmpty()) {
      return Long.toString(c);
    }
    String p = String.join(" * ", syms);
    return c == 1 ? p : p + " * " + c;
  }

  private static String kernelName(Op.Fn fn) {
    return switch (fn) {
      case RELU -> "relu";
      case GELU -> "gelu";
      case GELU_TANH -> "geluTanh";
      case TANH -> "tanh";
    };
  }

  static String doubleLiteral(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d) + ".0";
    }
    return Double.toString(d);
  }

  /** An upper-case Java constant name for a model name ({@code h.0.attn.qkv.weight} → {@code H_0_ATTN_QKV_WEIGHT}). */
  static String constantName(String name) {
    return javaName(name).toUpperCase(Locale.ROOT);
  }

  /** A Java identifier from a model name: letters and digits kept, everything else an underscore. */
  static String javaName(String name) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      sb.append(Character.isLetterOrDigit(c) && c < 128 ? c : '_');
    }
    if (sb.isEmpty() || Character.isDigit(sb.charAt(0))) {
      sb.insert(0, '_');
    }
    return sb.toString();
  }

  /** Text safe inside a {@code //} comment: no line breaks, no Unicode escapes. */
  static String commentSafe(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        sb.append("\\\\");
      } else if (Character.isISOControl(c)) {
        sb.append(' ');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Text safe inside a javadoc comment. */
  static String javadocSafe(String s) {
    return commentSafe(s).replace("*/", "*&#47;").replace("@", "{@literal @}");
  }
}
