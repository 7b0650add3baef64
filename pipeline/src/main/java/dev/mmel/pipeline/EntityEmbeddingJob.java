package dev.mmel.pipeline;

import dev.mmel.core.IndexSchema;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.MalformedRecord;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.PublishRefusedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full build of an entity index (bounded): KB files -> validation (bad records to a side
 * output, counted) -> micro-batched TF entity encoding -> idempotent upserts into a new build ->
 * when the job has finished, the build is published under the settings' {@link PublishPolicy},
 * so readers switch to it in one step, or it is refused and stays, finished but not live.
 */
public final class EntityEmbeddingJob {
  private static final Logger LOG = LoggerFactory.getLogger(EntityEmbeddingJob.class);

  private EntityEmbeddingJob() {}

  /** Everything one build needs; validated here. Made with {@link #builder()}. */
  public record Settings(List<Path> kbFiles, EncoderSettings encoder, IndexTarget target,
      String buildId, int parallelism, Duration checkpointInterval, int sinkBatch,
      Path malformedReport, Path unreadableImagesReport, PublishPolicy publishPolicy) {

    /**
     * A build with one encoder instance, a checkpoint every 10 s, upserts of 256, published
     * under {@link PublishPolicy#defaults()}.
     */
    public static Builder builder() {
      return new Builder();
    }

    public static final class Builder {
      private List<Path> kbFiles = List.of();
      private EncoderSettings encoder;
      private IndexTarget target;
      private String buildId;
      private int parallelism = 1;
      private Duration checkpointInterval = Duration.ofSeconds(10);
      private int sinkBatch = 256;
      private Path malformedReport;
      private Path unreadableImagesReport;
      private PublishPolicy publishPolicy = PublishPolicy.defaults();

      private Builder() {}

      public Builder kbFiles(List<Path> files) {
        this.kbFiles = files;
        return this;
      }

      public Builder encoder(EncoderSettings settings) {
        this.encoder = settings;
        return this;
      }

      public Builder target(IndexTarget indexTarget) {
        this.target = indexTarget;
        return this;
      }

      public Builder buildId(String id) {
        this.buildId = id;
        return this;
      }

      public Builder parallelism(int instances) {
        this.parallelism = instances;
        return this;
      }

      public Builder checkpointInterval(Duration interval) {
        this.checkpointInterval = interval;
        return this;
      }

      public Builder sinkBatch(int entities) {
        this.sinkBatch = entities;
        return this;
      }

      /** Where malformed KB records are listed. */
      public Builder malformedReport(Path file) {
        this.malformedReport = file;
        return this;
      }

      /**
       * Where entities whose image could not be read are listed; default: beside the
       * malformed-record report, {@code ...-malformed.txt} becoming
       * {@code ...-unreadable-images.txt}.
       */
      public Builder unreadableImagesReport(Path file) {
        this.unreadableImagesReport = file;
        return this;
      }

      /** When the finished build may replace the live one. */
      public Builder publishPolicy(PublishPolicy policy) {
        this.publishPolicy = policy;
        return this;
      }

      public Settings build() {
        return new Settings(kbFiles, encoder, target, buildId, parallelism, checkpointInterval,
            sinkBatch, malformedReport, unreadableImagesReport != null ? unreadableImagesReport
                : Reports.besideMalformed(malformedReport), publishPolicy);
      }
    }

    public Settings {
      java.util.Objects.requireNonNull(encoder, "encoder settings are required");
      java.util.Objects.requireNonNull(target, "an index target is required");
      java.util.Objects.requireNonNull(malformedReport, "a malformed-record report path is required");
      java.util.Objects.requireNonNull(publishPolicy, "a publish policy is required");
      kbFiles = List.copyOf(kbFiles);
      if (kbFiles.isEmpty()) {
        throw new IllegalArgumentException("kb files: give at least one KB JSONL file");
      }
      for (Path file : kbFiles) {
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException("kb file " + file + " does not exist");
        }
      }
      if (buildId == null || !buildId.matches(EntityIndexStore.BUILD_ID)) {
        throw new IllegalArgumentException("build id '" + buildId + "' must match "
            + EntityIndexStore.BUILD_ID);
      }
      if (parallelism < 1 || parallelism > 256) {
        throw new IllegalArgumentException("parallelism must be in [1, 256], got " + parallelism);
      }
      if (checkpointInterval.toMillis() < 100 || checkpointInterval.toHours() > 24) {
        throw new IllegalArgumentException("checkpoint interval must be in [100 ms, 24 h], got "
            + checkpointInterval);
      }
      if (sinkBatch < 1 || sinkBatch > 10_000) {
        throw new IllegalArgumentException("sink batch must be in [1, 10000], got " + sinkBatch);
      }
    }
  }

  /**
   * What a build did: counts from the job's accumulators, and whether it was published.
   *
   * @param refusal why the publish policy refused the finished build, which then stays in the
   *     store, finished but not live; empty when it was published
   */
  public record Outcome(String buildId, long valid, long malformed, long encoded,
      long unreadableImages, Duration elapsed, Optional<PublishRefusedException> refusal) {

    public boolean published() {
      return refusal.isEmpty();
    }
  }

  /** The model's index schema and version, read once at the client. */
  public record ModelInfo(IndexSchema schema, String version) {
    public static ModelInfo of(EncoderSettings encoder) throws IOException {
      ModelDirectory directory = new ModelDirectory(Path.of(encoder.modelDir()));
      ModelConfig config = directory.readConfig();
      return new ModelInfo(config.indexSchema(), directory.version());
    }
  }

  /**
   * Builds and runs the job on {@code env}, reporting (encoded, expected) as it goes, and
   * publishes the build when the job succeeds, unless the publish policy refuses it (see
   * {@link Outcome#refusal}).
   */
  public static Outcome run(StreamExecutionEnvironment env, Settings settings,
      BiConsumer<Long, Long> progress) throws Exception {
    ModelInfo model = ModelInfo.of(settings.encoder());
    indexInto(readAndValidate(env, settings), settings, model);
    return execute(env, settings, progress);
  }

  /**
   * A dry run: reads, validates and encodes the KB as {@link #run} does, but writes no index.
   * @return how many entities were encoded
   */
  public static long encodeOnly(StreamExecutionEnvironment env, Settings settings)
      throws Exception {
    encode(readAndValidate(env, settings), settings)
        .sinkTo(new DiscardingSink<>()).name("discard");
    JobExecutionResult result = env.execute("mmel entity encoding " + settings.buildId());
    return counter(result.getAllAccumulatorResults(), EncodeOperator.ENCODED);
  }

  static DataStream<Change> readAndValidate(StreamExecutionEnvironment env,
      Settings settings) {
    env.enableCheckpointing(settings.checkpointInterval().toMillis());
    env.getConfig().enableObjectReuse();
    DataStream<KbLine> lines = null;
    for (Path file : settings.kbFiles()) {
      Path absolute = file.toAbsolutePath();
      FileSource<KbLine> source = FileSource.forRecordStreamFormat(
          new KbLineFormat(absolute.toString()),
          new org.apache.flink.core.fs.Path(absolute.toUri())).build();
      DataStream<KbLine> read = env.fromSource(source, WatermarkStrategy.noWatermarks(),
          "kb " + absolute.getFileName());
      lines = lines == null ? read : lines.union(read);
    }
    Path baseDir = settings.kbFiles().get(0).toAbsolutePath().getParent();
    SingleOutputStreamOperator<Change> valid = lines
        .process(new KbValidation(KbValidation.Format.KB,
            baseDir == null ? null : baseDir.toString()))
        .returns(TypeInformation.of(Change.class))
        .name("validate");
    DataStream<MalformedRecord> malformed = valid.getSideOutput(KbValidation.MALFORMED);
    malformed.sinkTo(new ReportSink<>(settings.malformedReport().toString()))
        .setParallelism(1).name("malformed report");
    return valid;
  }

  static void indexInto(DataStream<Change> changes, Settings settings, ModelInfo model) {
    encode(changes, settings)
        .sinkTo(new EntityIndexSink(settings.target(), settings.buildId(), model.version(),
            model.schema(), settings.sinkBatch()))
        .setParallelism(Math.min(settings.parallelism(), settings.target().maxWriters()))
        .name("index " + settings.buildId());
  }

  /** Spread over the encoder instances, which batch what they get. */
  static DataStream<EncodedChange> encode(DataStream<Change> changes, Settings settings) {
    SingleOutputStreamOperator<EncodedChange> encoded = changes
        .rebalance()
        .transform("encode", TypeInformation.of(EncodedChange.class),
            new EncodeOperator(settings.encoder()));
    reportUnreadableImages(encoded, settings.unreadableImagesReport());
    return encoded;
  }

  /** Lists the entities encoded without their image, which could not be read. */
  static void reportUnreadableImages(SingleOutputStreamOperator<EncodedChange> encoded,
      Path report) {
    encoded.getSideOutput(EncodeOperator.UNREADABLE)
        .sinkTo(new ReportSink<>(report.toString())).setParallelism(1)
        .name("unreadable images report");
  }

  static Outcome execute(StreamExecutionEnvironment env, Settings settings,
      BiConsumer<Long, Long> progress) throws Exception {
    long expected = countRecords(settings.kbFiles());
    long start = System.nanoTime();
    JobClient client = env.executeAsync("mmel entity embedding " + settings.buildId());
    CompletableFuture<JobExecutionResult> done = client.getJobExecutionResult();
    // A job on a cluster outlives this client: Ctrl-C here must not leave it writing the build.
    Thread cancelOnExit = new Thread(() -> cancelQuietly(client, done), "cancel-build-job");
    Runtime.getRuntime().addShutdownHook(cancelOnExit);
    try {
      awaitWithProgress(client, done, progress, expected);
    } finally {
      removeHook(cancelOnExit);
    }
    JobExecutionResult result;
    try {
      result = done.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the build job failed (" + rootMessage(e) + "); build "
          + settings.buildId() + " was not published. Fix the cause and run it again with the "
          + "same build id to resume, or drop the build", e);
    }
    Map<String, Object> counts = result.getAllAccumulatorResults();
    progress.accept(counter(counts, EncodeOperator.ENCODED), expected);
    Optional<PublishRefusedException> refusal = Optional.empty();
    try (EntityIndexStore store = settings.target().open()) {
      store.publish(settings.buildId(), settings.publishPolicy());
    } catch (PublishRefusedException e) {
      // Not an error of the job: the caller decides what a refusal means and reports it.
      refusal = Optional.of(e);
    }
    return new Outcome(settings.buildId(), counter(counts, KbValidation.VALID),
        counter(counts, KbValidation.INVALID), counter(counts, EncodeOperator.ENCODED),
        counter(counts, EncodeOperator.UNREADABLE_IMAGES),
        Duration.ofNanos(System.nanoTime() - start), refusal);
  }

  private static void awaitWithProgress(JobClient client,
      CompletableFuture<JobExecutionResult> done, BiConsumer<Long, Long> progress, long expected)
      throws InterruptedException {
    while (!done.isDone()) {
      Thread.sleep(500);
      try {
        progress.accept(counter(client.getAccumulators().get(), EncodeOperator.ENCODED),
            expected);
      } catch (ExecutionException | IllegalStateException e) {
        // A local cluster shuts down as its job ends (and then refuses the question instead of
        // answering it); the result tells how the job ended.
      }
    }
  }

  private static void cancelQuietly(JobClient client, CompletableFuture<?> done) {
    if (done.isDone()) {
      return;
    }
    try {
      client.cancel().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("could not cancel job {}: {}", client.getJobID(), rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down and the hook runs.
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private static long counter(Map<String, Object> accumulators, String name) {
    Object value = accumulators.get(name);
    return value instanceof Number number ? number.longValue() : 0;
  }

  /** Non-blank lines: the records the job will see, for progress and ETA. */
  public static long countRecords(List<Path> files) throws IOException {
    long count = 0;
    for (Path file : files) {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line; (line = reader.readLine()) != null; ) {
          count += line.isBlank() ? 0 : 1;
        }
      }
    }
    return count;
  }
}
