package dev.kiln.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;

/** Compiles a {@code .model} text through the real processor inside javac, as a user's build would. */
final class ModelCompilation {
  private ModelCompilation() {}

  /** The stub interface's javac line that carries every .model diagnostic. */
  static final int ANNOTATION_LINE = 3;

  /** Compiles {@code text} saved as {@code fileName}, bound to interface {@code pkg.Iface}. */
  static Compilation compile(Path dir, String fileName, String text, String config) {
    try {
      Files.writeString(dir.resolve(fileName), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return javac()
        .withProcessors(new KilnProcessor())
        .withOptions(
            "-Akiln.modelPath=" + dir,
            "-Akiln.dumpIr=" + dir,
            "--add-modules",
            "jdk.incubator.vector",
            "-Xlint:all",
            "-Xlint:-options")
        .compile(stub(fileName, config));
  }

  static JavaFileObject stub(String fileName, String config) {
    return JavaFileObjects.forSourceLines(
        "test.Stub",
        "package test;",
        "",
        "@dev.kiln.dsl.annotation.Model(source = \"" + fileName + "\", config = \"" + config
            + "\")",
        "interface Stub {}");
  }
}
