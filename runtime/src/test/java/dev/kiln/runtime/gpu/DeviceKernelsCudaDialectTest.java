package dev.kiln.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.runtime.mask.Masks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel library and one attention instantiation compile as CUDA C++ behind {@code
 * prelude-cuda.h} ({@code nvcc --ptx -x cu -arch=compute_80}, which needs no GPU): the CUDA dialect
 * stays honest on machines without one. Skips where {@code nvcc} is not on the PATH.
 */
class DeviceKernelsCudaDialectTest {
  @TempDir
  Path dir;

  @Test
  void libraryAndAttentionCompileAsCuda() throws Exception {
    String nvcc = onPath("nvcc");
    Assumptions.assumeTrue(
        nvcc != null, "nvcc is not on the PATH: the CUDA dialect is not checked");
    String prelude = resource("prelude-cuda.h");
    compile(nvcc, "library", prelude + KernelSource.library());
    compile(
        nvcc,
        "attention",
        prelude
            + KernelSource.attention(Masks.and(Masks.causal(), Masks.not(Masks.fixed(4, 2))), 64));
  }

  private void compile(String nvcc, String name, String source) throws Exception {
    Path cu = dir.resolve(name + ".cu");
    Files.writeString(cu, source);
    Path ptx = dir.resolve(name + ".ptx");
    Process p = new ProcessBuilder(
            nvcc, "--ptx", "-x", "cu", "-arch=compute_80", cu.toString(), "-o", ptx.toString())
        .redirectErrorStream(true)
        .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
    assertEquals(0, p.exitValue(), name + " does not compile as CUDA:\n" + log);
    String text = Files.readString(ptx);
    assertTrue(text.contains(name.equals("library") ? "kiln_gemm" : "kiln_attention_forward"));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, exe);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}
