package dev.mmel.app.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ghz (https://ghz.sh), a load tool nobody here wrote, against the server: LinkEntity with the
 * same requests as the Java load generator (a JSON array ghz sends round-robin), over one
 * connection, the method found by server reflection. Each run writes its JSON report, which
 * {@link GhzReport} reads.
 */
final class GhzLoad {
  static final String METHOD = "mmel.v1.EntityLinker.LinkEntity";

  private final Path ghz;
  private final String target;
  private final Path dataFile;
  private final Path workDir;
  private final Duration deadline;
  private int runs;

  /**
   * @param dataFile the requests as a JSON array of LinkEntityRequest (the proto JSON mapping);
   *     passed with --data-file: inline --data is one argument, and Linux refuses an argument
   *     over 128 KiB
   */
  GhzLoad(Path ghz, String target, Path dataFile, Path workDir, Duration deadline) {
    this.ghz = ghz;
    this.target = target;
    this.dataFile = dataFile;
    this.workDir = workDir;
    this.deadline = deadline;
  }

  /**
   * {@code warmup} calls, then {@code requests} measured calls (or, with a duration, calls for
   * that long), from {@code concurrency} workers.
   */
  LoadResult run(int concurrency, int warmup, long requests, Duration duration)
      throws IOException, InterruptedException {
    Path report = workDir.resolve("ghz-" + (++runs) + ".json");
    Path log = workDir.resolve("ghz-" + runs + ".log");
    List<String> command = command(concurrency, warmup, requests, duration, report);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    long limit = duration != null ? duration.toSeconds() + 600 : 3600 + requests;
    if (!process.waitFor(limit, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("ghz did not finish within " + limit + " s");
    }
    if (process.exitValue() != 0 || !Files.isRegularFile(report)) {
      throw new IllegalStateException("ghz failed (exit " + process.exitValue() + "): "
          + Files.readString(log, StandardCharsets.UTF_8).strip() + "\ncommand: "
          + String.join(" ", command));
    }
    return GhzReport.parse(Files.readString(report, StandardCharsets.UTF_8));
  }

  List<String> command(int concurrency, int warmup, long requests, Duration duration,
      Path report) {
    List<String> command = new ArrayList<>(List.of(ghz.toString(), "--insecure",
        "--call", METHOD, "--data-file", dataFile.toString(),
        "--concurrency", Integer.toString(concurrency), "--connections", "1",
        "--timeout", deadline.toMillis() + "ms",
        // The requests are plain data: no Go template is run over them per call.
        "--disable-template-functions", "--disable-template-data",
        "--format", "json", "--output", report.toString()));
    if (duration != null) {
      command.addAll(List.of("--duration", duration.toMillis() + "ms"));
    } else {
      command.addAll(List.of("--total", Long.toString(warmup + requests)));
    }
    if (warmup > 0) {
      command.addAll(List.of("--skipFirst", Integer.toString(warmup)));
    }
    command.add(target);
    return command;
  }
}
