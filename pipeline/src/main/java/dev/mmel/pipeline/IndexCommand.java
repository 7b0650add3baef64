package dev.mmel.pipeline;

import dev.mmel.model.cli.CliExtension;
import dev.mmel.model.cli.Progress;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.WikiMelKbExport;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mmel index ...`: the Flink jobs that fill the entity index. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = "Build and maintain the entity index with Flink jobs.",
    subcommands = {IndexCommand.Build.class, IndexCommand.Refresh.class})
public final class IndexCommand implements CliExtension {

  @Override
  public Object command() {
    return new IndexCommand();
  }

  private static Path home() {
    return Path.of(System.getProperty("mmel.home", "."));
  }

  /** The tiny random model of the defaults, created on first use. */
  static Path demoModel(Progress progress) throws IOException {
    Path dir = home().resolve(".cache/demo-model").toAbsolutePath();
    if (!Files.exists(new ModelDirectory(dir).manifest())) {
      progress.step("creating a tiny random model in " + dir);
      ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 43, dir);
    }
    return dir;
  }

  /** The shared WikiMEL KB as KB JSONL, exported on first use. */
  static Path wikiMelKb(Progress progress) throws IOException {
    Path file = home().resolve(".cache/wikimel-kb.jsonl").toAbsolutePath();
    if (!Files.exists(file)) {
      progress.step("exporting the shared WikiMEL KB to " + file);
      WikiMelKbExport.write(file, null);
    }
    return file;
  }

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = {"Full build: encodes every KB entity with the model's entity encoder into a "
          + "new build of the index, then publishes it (readers switch in one step).",
          "Runs Flink in this JVM, or on a standalone cluster with --flink-cluster, into the "
          + "embedded on-disk index or a Milvus server. Bad KB records are skipped, "
          + "counted and listed in <index>/<build>-malformed.txt. Re-running a failed build's "
          + "--build-id writes into the same build again, without duplicates."})
  static final class Build implements Callable<Integer> {
    @Option(names = "--kb", arity = "1..*", paramLabel = "FILE",
        description = "KB JSONL file(s). Default: the shared WikiMEL KB (18,880 entities), "
            + "exported once to .cache/wikimel-kb.jsonl.")
    List<Path> kb;

    @Option(names = "--model", paramLabel = "DIR",
        description = "Model directory. Default: .cache/demo-model (a tiny random model, "
            + "created if missing).")
    Path model;

    @Mixin
    TargetOptions store;

    @Option(names = "--build-id", paramLabel = "ID",
        description = "Build id (default b<date>_<time>); reuse a failed one to complete it.")
    String buildId;

    @Option(names = "--parallelism", defaultValue = "1",
        description = "Encoder instances (each loads the model; default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--batch", defaultValue = "32",
        description = "Entities per encoder call (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", defaultValue = "0",
        description = "TensorFlow intra-op threads per encoder (0 = one per core).")
    int threads;

    @Option(names = "--checkpoint-interval", defaultValue = "10s",
        description = "Checkpoint interval, e.g. 500ms, 10s (default ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Mixin
    FlinkOptions flink;

    @Override
    public Integer call() throws Exception {
      Progress progress = new Progress("index build");
      Path modelDir = model != null ? model.toAbsolutePath() : demoModel(progress);
      List<Path> kbFiles = kb != null && !kb.isEmpty() ? kb : List.of(wikiMelKb(progress));
      Path indexDir = store.indexDir(home());
      IndexTarget target = store.target(home());
      String id = buildId != null ? buildId : "b" + LocalDateTime.now()
          .format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss", Locale.ROOT));
      EntityEmbeddingJob.Settings settings = new EntityEmbeddingJob.Settings(kbFiles,
          new EncoderSettings(modelDir.toString(), batch, threads, "auto"),
          target, id, parallelism,
          parseDuration("--checkpoint-interval", checkpointInterval), 256,
          indexDir.resolve(id + "-malformed.txt"));
      progress.step("build " + id + " of " + kbFiles + " into " + settings.target().describe()
          + " on " + flink.describe());
      EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
          flink.environment(settings.parallelism()), settings,
          (done, total) -> progress.count(done, total, "entities"));
      double seconds = outcome.elapsed().toMillis() / 1000.0;
      progress.done(String.format(Locale.ROOT, "published %s: %,d entities indexed "
              + "(%.1f/s), %,d malformed records skipped%s, %,d unreadable images", id,
          outcome.encoded(), outcome.encoded() / Math.max(seconds, 1e-3), outcome.malformed(),
          outcome.malformed() > 0 ? " (listed in " + settings.malformedReport() + ")" : "",
          outcome.unreadableImages()));
      System.out.println(id);
      return 0;
    }

    static Duration parseDuration(String option, String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      try {
        if (t.endsWith("ms")) {
          return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
          return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (t.endsWith("m")) {
          return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw new IllegalArgumentException(option + " '" + text
          + "' is not a duration such as 500ms, 10s or 2m");
    }
  }

  @Command(name = "refresh", mixinStandardHelpOptions = true,
      description = {"Keeps the live index current: applies change-log files dropped into "
          + "--changes to the published build, in order per QID, until stopped (Ctrl-C).",
          "Runs Flink in this JVM, or on a standalone cluster with --flink-cluster (then Ctrl-C "
          + "cancels the cluster job too), on the embedded index or, with --milvus, on the "
          + "build the Milvus alias points at. Each line is a KB JSONL record with "
          + "\"op\": \"upsert\" added, or {\"op\": \"delete\", \"qid\": \"Q42\"}. Changes "
          + "are visible after the next checkpoint. Use the model that built the index; stop this before publishing a new "
          + "full build."})
  static final class Refresh implements Callable<Integer> {
    @Option(names = "--changes", required = true, paramLabel = "DIR",
        description = "Directory watched for change-log .jsonl files.")
    Path changes;

    @Option(names = "--model", paramLabel = "DIR",
        description = "Model directory (default .cache/demo-model).")
    Path model;

    @Mixin
    TargetOptions store;

    @Option(names = "--parallelism", defaultValue = "1", description = "Encoder instances.")
    int parallelism;

    @Option(names = "--poll", defaultValue = "5s", description = "How often the directory is "
        + "scanned (default ${DEFAULT-VALUE}).")
    String poll;

    @Option(names = "--checkpoint-interval", defaultValue = "5s",
        description = "Changes become visible at checkpoints (default ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Mixin
    FlinkOptions flink;

    @Override
    public Integer call() throws Exception {
      Progress progress = new Progress("index refresh");
      Path indexDir = store.indexDir(home());
      EntityRefreshJob.Settings settings = new EntityRefreshJob.Settings(
          changes.toAbsolutePath(),
          new EncoderSettings((model != null ? model : home().resolve(".cache/demo-model"))
              .toAbsolutePath().toString(), 32, 0, "auto"),
          store.target(home()), parallelism,
          Build.parseDuration("--poll", poll),
          Build.parseDuration("--checkpoint-interval", checkpointInterval), 256,
          indexDir.resolve("refresh-malformed.txt"));
      org.apache.flink.core.execution.JobClient job = EntityRefreshJob.start(
          flink.environment(parallelism), settings);
      Thread stop = new Thread(() -> job.cancel().join());
      Runtime.getRuntime().addShutdownHook(stop);
      progress.step("watching " + changes + " for changes to " + settings.target().describe()
          + " on " + flink.describe() + " (Ctrl-C stops)");
      String last = "";
      while (!job.getJobStatus().get().isGloballyTerminalState()) {
        Thread.sleep(2000);
        try {
          var counts = job.getAccumulators().get();
          String now = String.format(Locale.ROOT, "%s changes applied or queued, %s upserts "
                  + "encoded, %s malformed lines skipped",
              counts.getOrDefault(KbValidation.VALID, 0),
              counts.getOrDefault(EncodeOperator.ENCODED, 0),
              counts.getOrDefault(KbValidation.INVALID, 0));
          if (!now.equals(last)) {
            progress.step(now);
            last = now;
          }
        } catch (java.util.concurrent.ExecutionException e) {
          // The local cluster is going down with the job; the status check ends the loop.
        }
      }
      return 0;
    }
  }
}
