package dev.mmel.app.bench;

import dev.mmel.app.cli.ConsoleProgress;
import dev.mmel.app.cli.Defaults;
import dev.mmel.app.cli.MmelCommand;
import dev.mmel.app.cli.ModelOption;
import dev.mmel.app.cli.ThreadsOption;
import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityRecord;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.pipeline.EmbeddedTarget;
import dev.mmel.pipeline.EncoderSettings;
import dev.mmel.pipeline.EntityEmbeddingJob;
import dev.mmel.pipeline.EntityEncoder;
import dev.mmel.pipeline.IndexTarget;
import dev.mmel.pipeline.JobEnvironments;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mmel bench-pipeline`: what running the build as a Flink job costs over a plain loop. */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true,
    description = {"Throughput of the full-build Flink job (local execution in this JVM) "
        + "against the same batched entity encoder called from a plain Java loop, in the same "
        + "run: entities/s and their ratio (target >= 0.9).",
        "Both sides read and validate the same KB file, load the model once per run and encode "
        + "with the same batch size and TensorFlow threads. Pairs: encoding only (results "
        + "discarded), and encoding into a new build of the embedded index (upserts of 256, "
        + "flush, publish), the real `mmel index build`. Configurations are interleaved "
        + "round-robin after a warm-up round; medians are reported. Markdown on stdout, "
        + "progress on stderr."})
public final class PipelineBenchCommand extends MmelCommand {
  private static final int SINK_BATCH = 256;


  @Option(names = "--kb", paramLabel = "FILE",
      description = "KB JSONL file (default: the shared WikiMEL KB, .cache/wikimel-kb.jsonl).")
  Path kb;

  @Option(names = "--entities", paramLabel = "N", defaultValue = "0",
      description = "Valid records taken from the start of the KB (default 0 = all: the "
          + "18,880 of WikiMEL).")
  int entities;

  @Mixin
  ModelOption model;

  @Option(names = "--batch", defaultValue = "32",
      description = "Entities per encoder call (default ${DEFAULT-VALUE}).")
  int batch;

  @Mixin
  ThreadsOption threads;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Timed rounds after the warm-up round (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--checkpoint-interval", defaultValue = "10s",
      description = "The job's checkpoint interval (default ${DEFAULT-VALUE}, as index build).")
  Duration checkpoints;

  @Option(names = "--encode-only",
      description = "Measure encoding only, without the pair that also writes the embedded "
          + "index.")
  boolean encodeOnly;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where the KB sample and indexes are written, deleted at the end "
          + "(default .cache/bench-pipeline).")
  Path workDir;

  /** One measured configuration: runs once and returns how many entities it encoded. */
  private interface Run {
    long once(int round) throws Exception;
  }

  /** Configurations come in pairs: the plain loop (the pair's baseline), then the job. */
  private record Config(String name, long expected, Run run) {}

  @Override
  public Integer call() throws Exception {
    if (entities < 0 || rounds < 1) {
      throw invalid("--entities must be >= 0 and --rounds "
          + ">= 1, got " + entities + " and " + rounds);
    }
    ConsoleProgress progress = progress("bench-pipeline");
    Path home = Path.of(System.getProperty("mmel.home", ".")).toAbsolutePath();
    Path work = (workDir != null ? workDir : home.resolve(".cache/bench-pipeline"))
        .toAbsolutePath().resolve("run-" + Long.toString(System.currentTimeMillis(), 36));
    Files.createDirectories(work);
    try {
      Path sample = sample(kb != null ? kb : Defaults.wikiMelKb(progress),
          work.resolve("kb.jsonl"));
      long records = EntityEmbeddingJob.countRecords(List.of(sample));
      EncoderSettings encoder = new EncoderSettings(
          model.resolve(progress).toString(), batch, threads.count(), "auto");
      EntityEmbeddingJob.ModelInfo info = EntityEmbeddingJob.ModelInfo.of(encoder);
      Path index = work.resolve("index");
      int firstBatchRecords = (int) Math.min(batch, records);
      Path firstBatch = Files.write(work.resolve("first-batch.jsonl"),
          Files.readAllLines(sample, StandardCharsets.UTF_8).subList(0, firstBatchRecords),
          StandardCharsets.UTF_8);
      List<Config> configs = new ArrayList<>();
      configs.add(new Config("plain loop, one batch: start-up (baseline)", firstBatchRecords,
          round -> loop(firstBatch, encoder, null, info, round)));
      configs.add(new Config("Flink job, one batch: start-up", firstBatchRecords,
          round -> flink(settings(firstBatch, encoder, index, round, checkpoints, work), false)));
      configs.add(new Config("plain loop, encode only (baseline)", records,
          round -> loop(sample, encoder, null, info, round)));
      configs.add(new Config("Flink job, encode only", records,
          round -> flink(settings(sample, encoder, index, round, checkpoints, work), false)));
      if (!encodeOnly) {
        configs.add(new Config("plain loop, encode + embedded index (baseline)", records,
            round -> loop(sample, encoder, new EmbeddedTarget(index.toString()), info, round)));
        configs.add(new Config("Flink job, encode + embedded index (`mmel index build`)",
            records,
            round -> flink(settings(sample, encoder, index, round, checkpoints, work), true)));
      }
      progress.step(String.format(Locale.ROOT, "%,d KB records from %s, model %s, batch %d; "
          + "%d configurations, a warm-up round and %d timed rounds", records, sample,
          info.version(), batch, configs.size(), rounds));
      double[] medians = measure(configs, progress);
      report(configs, medians, records, info.version());
    } finally {
      BenchSupport.deleteTree(work);
    }
    return 0;
  }

  /** Runs every configuration round-robin; a warm-up round first; the median per config. */
  private double[] measure(List<Config> configs, ConsoleProgress progress) throws Exception {
    double[][] seconds = new double[configs.size()][rounds];
    for (int round = 0; round <= rounds; round++) {
      for (int c = 0; c < configs.size(); c++) {
        Config config = configs.get(c);
        long start = System.nanoTime();
        long encoded = config.run().once(round);
        double took = (System.nanoTime() - start) / 1e9;
        if (encoded != config.expected()) {
          throw new IllegalStateException(config.name() + " encoded " + encoded
              + " entities, not the " + config.expected() + " KB records");
        }
        progress.step(String.format(Locale.ROOT, "%s %s: %.2f s, %,.0f entities/s",
            round == 0 ? "warm-up" : "round " + round, config.name(), took,
            config.expected() / took));
        if (round > 0) {
          seconds[c][round - 1] = took;
        }
      }
    }
    return Arrays.stream(seconds).mapToDouble(BenchSupport::median).toArray();
  }

  /**
   * The table, then each pair again with its start-up (the one-batch pair: model load, and for
   * the job also Flink's local cluster and job deployment) taken off, which tells a fixed cost
   * from a per-entity one.
   */
  private void report(List<Config> configs, double[] medians, long records, String version) {
    out().printf(Locale.ROOT, "%,d entities, model %s, batch %d, %d cores, medians of %d "
        + "rounds%n%n", records, version, batch, Runtime.getRuntime().availableProcessors(),
        rounds);
    out().println("| configuration | s | entities/s | ratio to its baseline |");
    out().println("|---|---|---|---|");
    for (int c = 0; c < configs.size(); c++) {
      double baseline = medians[c - c % 2];
      out().printf(Locale.ROOT, "| %s | %.2f | %,.0f | %.3f |%n", configs.get(c).name(),
          medians[c], configs.get(c).expected() / medians[c], baseline / medians[c]);
    }
    out().println();
    for (int c = 2; c + 1 < configs.size(); c += 2) {
      double loop = medians[c] - medians[0];
      double job = medians[c + 1] - medians[1];
      if (loop <= 0 || job <= 0) {
        out().println("Start-up takes about as long as " + configs.get(c).name()
            + ": too few entities to tell a per-entity cost (raise --entities).");
        continue;
      }
      out().printf(Locale.ROOT, "Without start-up (%.2f s loop, %.2f s job): %s %,.0f "
          + "entities/s, %s %,.0f entities/s, ratio %.3f%n", medians[0], medians[1],
          configs.get(c).name(), records / loop, configs.get(c + 1).name(), records / job,
          loop / job);
    }
  }

  /**
   * The first --entities valid records of the KB (all for 0), written again with image paths
   * made absolute, so the copy reads the same images from its own folder.
   */
  private Path sample(Path source, Path out) throws IOException {
    List<String> lines = new ArrayList<>();
    KbJsonl.read(source, e -> {
      if ((entities == 0 || lines.size() < entities) && fitsTheIndex(e)) {
        lines.add(KbJsonl.toLine(e));
      }
    }, malformed -> { });
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("--kb " + source + " holds no valid record");
    }
    return Files.write(out, lines, StandardCharsets.UTF_8);
  }

  private static boolean fitsTheIndex(KbEntity entity) {
    try {
      entity.toRecord();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private EntityEmbeddingJob.Settings settings(Path sample, EncoderSettings encoder, Path index,
      int round, Duration checkpoints, Path work) {
    return EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(sample))
        .encoder(encoder)
        .target(new EmbeddedTarget(index.toString()))
        .buildId("flink_" + round)
        .parallelism(1)
        .checkpointInterval(checkpoints)
        .sinkBatch(SINK_BATCH)
        .malformedReport(work.resolve("malformed-" + round + ".txt"))
        .build();
  }

  /** The job as `mmel index build` runs it, or its dry run that writes no index. */
  private static long flink(EntityEmbeddingJob.Settings settings, boolean intoIndex)
      throws Exception {
    StreamExecutionEnvironment env = JobEnvironments.local(settings.parallelism());
    return intoIndex ? EntityEmbeddingJob.run(env, settings, (done, total) -> { }).encoded()
        : EntityEmbeddingJob.encodeOnly(env, settings);
  }

  /**
   * The plain loop: read and validate each record, encode in batches with the same encoder,
   * and, given a target, upsert into a new build, flush and publish as the job's sink does.
   */
  private long loop(Path kbFile, EncoderSettings settings, IndexTarget target,
      EntityEmbeddingJob.ModelInfo info, int round) throws Exception {
    String buildId = "loop_" + round;
    long encoded = 0;
    try (EntityEncoder encoder = new EntityEncoder(settings, image -> { });
        EntityIndexStore store = target == null ? null : target.open();
        EntityIndex index = store == null ? null
            : store.openBuild(buildId, info.version(), info.schema());
        BufferedReader reader = Files.newBufferedReader(kbFile, StandardCharsets.UTF_8)) {
      Path base = kbFile.toAbsolutePath().getParent();
      List<EntityRecord> pending = new ArrayList<>(batch);
      List<EncodedEntity> rows = new ArrayList<>(SINK_BATCH);
      long lineNumber = 0;
      for (String line; (line = reader.readLine()) != null; ) {
        KbJsonl.Parsed parsed = KbJsonl.parseLine(line, kbFile.toString(), ++lineNumber, base);
        if (parsed.entity() != null) {
          pending.add(parsed.entity().toRecord());
        }
        if (pending.size() == batch) {
          encoded += encodeBatch(encoder, pending, index, rows);
        }
      }
      encoded += encodeBatch(encoder, pending, index, rows);
      if (index != null) {
        if (!rows.isEmpty()) {
          index.upsert(List.copyOf(rows));
        }
        index.flush();
      }
    }
    if (target != null) {
      try (EntityIndexStore store = target.open()) {
        store.publish(buildId);
      }
    }
    return encoded;
  }

  /**
   * Encodes and empties {@code pending}, splitting the batch into one result per entity as the
   * job's operator does; with an index, upserts every full batch of rows.
   */
  private static int encodeBatch(EntityEncoder encoder, List<EntityRecord> pending,
      EntityIndex index, List<EncodedEntity> rows) {
    if (pending.isEmpty()) {
      return 0;
    }
    EntityEncodings encodings = encoder.encode(pending);
    for (int i = 0; i < pending.size(); i++) {
      EncodedEntity encoded = EncodedEntity.of(pending.get(i), encodings, i);
      if (index == null) {
        continue;
      }
      rows.add(encoded);
      if (rows.size() == SINK_BATCH) {
        index.upsert(List.copyOf(rows));
        rows.clear();
      }
    }
    int n = pending.size();
    pending.clear();
    return n;
  }
}
