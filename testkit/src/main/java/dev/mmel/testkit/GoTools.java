package dev.mmel.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** grpcurl and ghz, installed by infra/tools.sh (from the Go module proxy, once). */
public final class GoTools {
  private GoTools() {}

  /** The tool's executable, installed first if need be. */
  public static Path binary(String tool) throws IOException, InterruptedException {
    Path script = RepositoryRoot.find().resolve("infra/tools.sh");
    Process process = new ProcessBuilder("bash", script.toString(), "install")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("infra/tools.sh install failed (see its stderr above)");
    }
    String[] lines = out.strip().split("\n");
    Path binary = Path.of(lines[lines.length - 1].strip()).resolve(tool);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("infra/tools.sh did not install " + tool + " at "
          + binary);
    }
    return binary;
  }
}
