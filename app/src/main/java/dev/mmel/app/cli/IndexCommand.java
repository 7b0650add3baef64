package dev.mmel.app.cli;

import dev.mmel.pipeline.EncoderSettings;
import dev.mmel.pipeline.EntityEmbeddingJob;
import dev.mmel.pipeline.EntityRefreshJob;
import dev.mmel.pipeline.IndexTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mmel index ...`: the Flink jobs that fill the entity index. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = "Build and maintain the entity index with Flink jobs.",
    subcommands = {IndexCommand.Build.class, IndexCommand.Refresh.class})
public final class IndexCommand {

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = {"Full build: encodes every KB entity with the model's entity encoder into a "
          + "new build of the index, then publishes it (readers switch in one step).",
          "Runs Flink in this JVM, or on a standalone cluster with --flink-cluster, into the "
          + "embedded on-disk index or a Milvus server. Bad KB records are skipped, "
          + "counted and listed in <index>/<build>-malformed.txt. Re-running a failed build's "
          + "--build-id writes into the same build again, without duplicates."})
  static final class Build extends MmelCommand {
    @Option(names = "--kb", arity = "1..*", paramLabel = "FILE",
        description = "KB JSONL file(s). Default: the shared WikiMEL KB (18,880 entities), "
            + "exported once to .cache/wikimel-kb.jsonl.")
    List<Path> kb;

    @Mixin
    ModelOption model;

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

    @Mixin
    ThreadsOption threads;

    @Option(names = "--checkpoint-interval", defaultValue = "10s",
        description = "Checkpoint interval, e.g. 500ms, 10s (default ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Mixin
    FlinkOptions flink;

    @Override
    public Integer call() throws Exception {
      ConsoleProgress progress = progress("index build");
      Path modelDir = model.resolve(progress);
      List<Path> kbFiles = kb != null && !kb.isEmpty() ? kb : List.of(Defaults.wikiMelKb(progress));
      Path indexDir = store.indexDir(Defaults.home());
      IndexTarget target = store.target(Defaults.home());
      String id = buildId != null ? buildId : "b" + LocalDateTime.now()
          .format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss", Locale.ROOT));
      EntityEmbeddingJob.Settings settings = EntityEmbeddingJob.Settings.builder()
          .kbFiles(kbFiles)
          .encoder(new EncoderSettings(modelDir.toString(), batch, threads.count(), "auto"))
          .target(target)
          .buildId(id)
          .parallelism(parallelism)
          .checkpointInterval(checkpointInterval)
          .malformedReport(indexDir.resolve(id + "-malformed.txt"))
          .build();
      progress.step("build " + id + " of " + kbFiles + " into " + settings.target().describe()
          + " on " + flink.describe() + "; the count starts once Flink runs and the encoders "
          + "have loaded the model");
      EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
          flink.environment(settings.parallelism()), settings,
          (done, total) -> {
            // Nothing is encoded while Flink starts and each encoder loads the model.
            if (done > 0) {
              progress.count(done, total, "entities");
            }
          });
      double seconds = outcome.elapsed().toMillis() / 1000.0;
      progress.done(String.format(Locale.ROOT, "published %s: %s indexed (%.1f/s), %s "
              + "skipped%s, %s%s", id, Plural.of(outcome.encoded(), "entity", "entities"),
          outcome.encoded() / Math.max(seconds, 1e-3),
          Plural.of(outcome.malformed(), "malformed record", "malformed records"),
          outcome.malformed() > 0 ? " (listed in " + settings.malformedReport() + ")" : "",
          Plural.of(outcome.unreadableImages(), "unreadable image", "unreadable images"),
          outcome.unreadableImages() > 0 ? " (indexed without; listed in "
              + settings.unreadableImagesReport() + ")" : ""));
      out().println(id);
      return 0;
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
  static final class Refresh extends MmelCommand {
    @Option(names = "--changes", required = true, paramLabel = "DIR",
        description = "Directory watched for change-log .jsonl files.")
    Path changes;

    @Mixin
    ModelOption model;

    @Mixin
    ThreadsOption threads;

    @Mixin
    TargetOptions store;

    @Option(names = "--parallelism", defaultValue = "1", description = "Encoder instances.")
    int parallelism;

    @Option(names = "--poll", defaultValue = "5s", description = "How often the directory is "
        + "scanned (default ${DEFAULT-VALUE}).")
    Duration poll;

    @Option(names = "--checkpoint-interval", defaultValue = "5s",
        description = "Changes become visible at checkpoints (default ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Mixin
    FlinkOptions flink;

    @Override
    public Integer call() throws Exception {
      ConsoleProgress progress = progress("index refresh");
      Path indexDir = store.indexDir(Defaults.home());
      EntityRefreshJob.Settings settings = EntityRefreshJob.Settings.builder()
          .changesDir(changes.toAbsolutePath())
          .encoder(new EncoderSettings(model.resolve(progress).toString(), 32, threads.count(), "auto"))
          .target(store.target(Defaults.home()))
          .parallelism(parallelism)
          .pollInterval(poll)
          .checkpointInterval(checkpointInterval)
          .malformedReport(indexDir.resolve("refresh-malformed.txt"))
          .build();
      org.apache.flink.core.execution.JobClient job = EntityRefreshJob.start(
          flink.environment(parallelism), settings);
      Thread stop = new Thread(() -> job.cancel().join());
      Runtime.getRuntime().addShutdownHook(stop);
      progress.step("watching " + changes + " for changes to " + settings.target().describe()
          + " on " + flink.describe() + " (Ctrl-C stops)");
      String last = "";
      while (!job.getJobStatus().get().isGloballyTerminalState()) {
        Thread.sleep(2000);
        EntityRefreshJob.Counts counts = EntityRefreshJob.Counts.of(job);
        // Null while the local cluster goes down with the job; the status check ends the loop.
        String now = counts == null ? last : String.format(Locale.ROOT, "%,d changes applied "
            + "or queued, %,d upserts encoded, %,d malformed lines skipped", counts.changes(),
            counts.encoded(), counts.malformed());
        if (!now.equals(last)) {
          progress.step(now);
          last = now;
        }
      }
      return 0;
    }
  }
}
