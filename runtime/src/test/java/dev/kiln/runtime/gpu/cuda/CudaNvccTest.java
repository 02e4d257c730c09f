package dev.kiln.runtime.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prelude and the test kernels are valid CUDA C for the toolkit's offline compiler too: a check
 * that runs where {@code nvcc} is on the PATH even when {@code libnvrtc} is not.
 */
class CudaNvccTest {
  private static Path nvcc() {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, "nvcc");
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  @Test
  void nvccCompilesPreludeKernelsToPtx(@TempDir Path dir) throws IOException, InterruptedException {
    Path nvcc = nvcc();
    assumeTrue(nvcc != null, "no nvcc on the PATH");
    Path src = dir.resolve("kernels.cu");
    Path ptx = dir.resolve("kernels.ptx");
    Files.writeString(
        src, Nvrtc.program(TestKernels.VADD + TestKernels.BLOCK_SUM), StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(
            nvcc.toString(),
            "--ptx",
            "-x",
            "cu",
            "-arch=compute_75",
            "-o",
            ptx.toString(),
            src.toString())
        .redirectErrorStream(true)
        .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc did not finish");
    assertEquals(0, p.exitValue(), log);
    String text = Files.readString(ptx);
    assertTrue(text.contains(".entry vadd("), text);
    assertTrue(text.contains(".entry block_sum("), text);
  }
}
