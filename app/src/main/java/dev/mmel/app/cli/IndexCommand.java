package dev.mmel.app.cli;

import dev.mmel.pipeline.EncoderSettings;
import dev.mmel.pipeline.EntityEmbeddingJob;
import dev.mmel.pipeline.EntityRefreshJob;
import dev.mmel.pipeline.IndexTarget;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.PublishRefusedException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mmel index ...`: the Flink jobs that fill the entity index, and its builds' upkeep. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = "Build and refresh the entity index with Flink jobs; list, roll back and "
        + "clean up its builds.",
    subcommands = {IndexCommand.Build.class, IndexCommand.Refresh.class,
        IndexCommand.ListBuilds.class, IndexCommand.Rollback.class, IndexCommand.Gc.class})
public final class IndexCommand {

  @Command(name = "build", mixinStandardHelpOptions = true,
      description = {"Full build: encodes every KB entity with the model's entity encoder into a "
          + "new build of the index, then publishes it (readers switch in one step); the build "
          + "live before is kept as the previous one, for `mmel index rollback`.",
          "Publishing refuses a build with no entities, or with more than --max-shrink fewer "
          + "than the live build, unless --force: the build is kept, finished but not live, "
          + "and the command exits with 3.",
          "Runs Flink in this JVM, or on a standalone cluster with --flink-cluster, into the "
          + "embedded on-disk index or a Milvus server. Bad KB records are skipped, "
          + "counted and listed in <index>/<build>-malformed.txt. Re-running a failed build's "
          + "--build-id writes into the same build again, without duplicates."},
      exitCodeListHeading = "Exit codes:%n",
      exitCodeList = {"0:the build was published", "1:the build failed",
          "2:invalid options", "3:the build finished but publishing it was refused"})
  static final class Build extends MmelCommand {
    /** The build finished, but the publish policy refused it. */
    static final int REFUSED = 3;

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

    @Option(names = "--force",
        description = "Publish the build even if it is empty or shrinks the live index by more "
            + "than --max-shrink.")
    boolean force;

    @Option(names = "--max-shrink", paramLabel = "SHARE", defaultValue = "0.1",
        description = "The largest share of the live build's entities the new build may lack "
            + "and still be published, within [0, 1] (default ${DEFAULT-VALUE}: 10%%).")
    double maxShrink;

    @Mixin
    FlinkOptions flink;

    @Override
    public Integer call() throws Exception {
      PublishPolicy policy;
      try {
        policy = new PublishPolicy(force, maxShrink);
      } catch (IllegalArgumentException e) {
        throw invalid("--max-shrink: " + e.getMessage());
      }
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
          .publishPolicy(policy)
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
      String summary = summary(outcome, settings);
      if (outcome.refusal().isPresent()) {
        progress.step("built " + id + " but did not publish it: " + summary);
        refused(outcome.refusal().get(), id);
        return REFUSED;
      }
      progress.done("published " + id + ": " + summary);
      out().println(id);
      return 0;
    }

    private void refused(PublishRefusedException refusal, String id) {
      err().println("error: " + refusal.getMessage());
      err().println("To publish it anyway, run this command again with --build-id " + id
          + " and the option above (the job writes into the same build again). `mmel index "
          + "list` shows the build, `mmel index gc` removes it.");
    }

    private static String summary(EntityEmbeddingJob.Outcome outcome,
        EntityEmbeddingJob.Settings settings) {
      double seconds = outcome.elapsed().toMillis() / 1000.0;
      return String.format(Locale.ROOT, "%s indexed (%.1f/s), %s skipped%s, %s%s",
          Plural.of(outcome.encoded(), "entity", "entities"),
          outcome.encoded() / Math.max(seconds, 1e-3),
          Plural.of(outcome.malformed(), "malformed record", "malformed records"),
          outcome.malformed() > 0 ? " (listed in " + settings.malformedReport() + ")" : "",
          Plural.of(outcome.unreadableImages(), "unreadable image", "unreadable images"),
          outcome.unreadableImages() > 0 ? " (indexed without; listed in "
              + settings.unreadableImagesReport() + ")" : "");
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

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"Lists every build the index holds, oldest first: id, state, entities, "
          + "model version, creation time and size on disk (embedded index only).",
          "States: live (what readers see), previous (what `mmel index rollback` makes live "
          + "again), finished (complete but never live: publishing refused it), unfinished (its "
          + "job is still running, or was killed or failed), retired (live once, since "
          + "replaced twice). `mmel index gc` removes all but live and previous."})
  static final class ListBuilds extends MmelCommand {
    @Mixin
    TargetOptions store;

    @Override
    public Integer call() {
      try (EntityIndexStore indexes = store.openExisting(Defaults.home())) {
        List<BuildInfo> builds = indexes.builds();
        if (builds.isEmpty()) {
          out().println("no builds in " + store.target(Defaults.home()).describe());
        } else {
          BuildTable.print(builds, out());
        }
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = {"Makes the previous build live again (readers switch in one step); the "
          + "build that was live becomes the previous one, so a second rollback undoes the "
          + "first. Fails if there is no previous build.",
          "Prints the build now live as the last line."})
  static final class Rollback extends MmelCommand {
    @Mixin
    TargetOptions store;

    @Override
    public Integer call() {
      ConsoleProgress progress = progress("index rollback");
      try (EntityIndexStore indexes = store.openExisting(Defaults.home())) {
        String replaced = indexes.liveBuildId().orElse("nothing");
        String live = indexes.rollback();
        progress.done(live + " is live again; " + replaced + " is now the previous build "
            + "(roll back again to undo)");
        out().println(live);
      }
      return 0;
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = {"Removes the builds that are neither live nor previous (unfinished, "
          + "finished, retired: see `mmel index list`) once nothing has written them for "
          + "--min-age, and prints what it removed. Never removes the live or the previous "
          + "build.",
          "An unfinished build written more recently may belong to a job that is still "
          + "running: keep --min-age above the longest pause of a running build (Milvus "
          + "writers record their writes at most once a minute). The embedded index also "
          + "spares any build whose Lucene write lock is held."})
  static final class Gc extends MmelCommand {
    @Mixin
    TargetOptions store;

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "10m",
        description = "Only builds nobody wrote for this long, e.g. 30s, 10m, 120m "
            + "(default ${DEFAULT-VALUE}).")
    Duration minAge;

    @Override
    public Integer call() {
      try {
        EntityIndexStore.checkMinAge(minAge);
      } catch (IllegalArgumentException e) {
        throw invalid("--min-age: " + e.getMessage());
      }
      ConsoleProgress progress = progress("index gc");
      try (EntityIndexStore indexes = store.openExisting(Defaults.home())) {
        List<BuildInfo> removed = indexes.gc(minAge);
        if (removed.isEmpty()) {
          out().println("nothing to remove: " + (minAge.isZero()
              ? "there is no build but the live and the previous one"
              : "every other build was written within the last "
                  + DurationConverter.format(minAge)));
        } else {
          BuildTable.print(removed, out());
        }
        progress.done("removed " + Plural.of(removed.size(), "build", "builds"));
      }
      return 0;
    }
  }
}
