package dev.mmel.pipeline;

import dev.mmel.model.data.MalformedRecord;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Keeps the live index current without rebuilding it (unbounded): change-log files dropped into
 * a directory ({@link ChangeLog}) are validated, upserts encoded, and all changes applied in
 * order per QID to the published build. Changes become visible at the next checkpoint.
 * Stop it before publishing a new full build: the old build stays locked while it writes.
 */
public final class EntityRefreshJob {
  private EntityRefreshJob() {}

  /** Everything a refresh job needs; validated here. Made with {@link #builder()}. */
  public record Settings(Path changesDir, EncoderSettings encoder, IndexTarget target,
      int parallelism, Duration pollInterval, Duration checkpointInterval, int sinkBatch,
      Path malformedReport, Path unreadableImagesReport) {

    /** One encoder instance, the directory scanned and a checkpoint every 5 s, upserts of 256. */
    public static Builder builder() {
      return new Builder();
    }

    public static final class Builder {
      private Path changesDir;
      private EncoderSettings encoder;
      private IndexTarget target;
      private int parallelism = 1;
      private Duration pollInterval = Duration.ofSeconds(5);
      private Duration checkpointInterval = Duration.ofSeconds(5);
      private int sinkBatch = 256;
      private Path malformedReport;
      private Path unreadableImagesReport;

      private Builder() {}

      /** The directory watched for change-log files. */
      public Builder changesDir(Path dir) {
        this.changesDir = dir;
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

      public Builder parallelism(int instances) {
        this.parallelism = instances;
        return this;
      }

      public Builder pollInterval(Duration interval) {
        this.pollInterval = interval;
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

      /** Where malformed change-log lines are listed. */
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

      public Settings build() {
        return new Settings(changesDir, encoder, target, parallelism, pollInterval,
            checkpointInterval, sinkBatch, malformedReport, unreadableImagesReport != null
                ? unreadableImagesReport : Reports.besideMalformed(malformedReport));
      }
    }

    public Settings {
      java.util.Objects.requireNonNull(changesDir, "a changes directory is required");
      java.util.Objects.requireNonNull(encoder, "encoder settings are required");
      java.util.Objects.requireNonNull(target, "an index target is required");
      java.util.Objects.requireNonNull(malformedReport, "a malformed-record report path is required");
      if (!Files.isDirectory(changesDir)) {
        throw new IllegalArgumentException("changes directory " + changesDir
            + " does not exist; create it and drop change-log .jsonl files into it");
      }
      if (parallelism < 1 || parallelism > 256) {
        throw new IllegalArgumentException("parallelism must be in [1, 256], got " + parallelism);
      }
      if (pollInterval.toMillis() < 100 || checkpointInterval.toMillis() < 100) {
        throw new IllegalArgumentException("poll and checkpoint intervals must be >= 100 ms");
      }
      if (sinkBatch < 1 || sinkBatch > 10_000) {
        throw new IllegalArgumentException("sink batch must be in [1, 10000], got " + sinkBatch);
      }
    }
  }

  /** What a running refresh job has done so far, from its accumulators. */
  public record Counts(long changes, long encoded, long malformed) {
    /** The job's counts, or null while its accumulators cannot be read (it is ending). */
    public static Counts of(JobClient job) throws InterruptedException {
      try {
        Map<String, Object> counts = job.getAccumulators().get();
        return new Counts(counter(counts, KbValidation.VALID),
            counter(counts, EncodeOperator.ENCODED), counter(counts, KbValidation.INVALID));
      } catch (ExecutionException e) {
        return null;
      }
    }

    private static long counter(Map<String, Object> counts, String name) {
      return counts.get(name) instanceof Number number ? number.longValue() : 0;
    }
  }

  /** Starts the job on {@code env}; it runs until cancelled through the returned client. */
  public static JobClient start(StreamExecutionEnvironment env, Settings settings)
      throws Exception {
    EntityEmbeddingJob.ModelInfo model = EntityEmbeddingJob.ModelInfo.of(settings.encoder());
    String live;
    try (EntityIndexStore store = settings.target().open(); EntityIndex index = store.openLive()) {
      live = store.liveBuildId().orElseThrow();
      if (!index.modelVersion().equals(model.version())) {
        throw new IllegalStateException("the live index (build " + live + ") was written by model "
            + index.modelVersion() + " but --model is " + model.version()
            + "; refresh with the model that built it, or run a new full build");
      }
    }
    env.enableCheckpointing(settings.checkpointInterval().toMillis());
    env.getConfig().enableObjectReuse();
    Path dir = settings.changesDir().toAbsolutePath();
    FileSource<KbLine> source = FileSource.forRecordStreamFormat(
            new KbLineFormat(dir.toString()), new org.apache.flink.core.fs.Path(dir.toUri()))
        .monitorContinuously(settings.pollInterval())
        .build();
    // One reader keeps the files' changes in the order they are read.
    DataStream<KbLine> lines = env.fromSource(source, WatermarkStrategy.noWatermarks(),
        "changes " + dir.getFileName()).setParallelism(1);
    SingleOutputStreamOperator<Change> changes = lines
        .process(new KbValidation(KbValidation.Format.CHANGE_LOG, dir.toString()))
        .returns(TypeInformation.of(Change.class)).setParallelism(1).name("validate");
    DataStream<MalformedRecord> malformed = changes.getSideOutput(KbValidation.MALFORMED);
    malformed.sinkTo(new ReportSink<>(settings.malformedReport().toString()))
        .setParallelism(1).name("malformed report");
    // Keyed by QID, so every change of one entity takes the same path, in order.
    SingleOutputStreamOperator<EncodedChange> encoded = changes
        .keyBy(Change::qid)
        .transform("encode", TypeInformation.of(EncodedChange.class),
            new EncodeOperator(settings.encoder()))
        .setParallelism(settings.parallelism());
    EntityEmbeddingJob.reportUnreadableImages(encoded, settings.unreadableImagesReport());
    encoded.sinkTo(new EntityIndexSink(settings.target(), live, model.version(), model.schema(),
            settings.sinkBatch()))
        .setParallelism(Math.min(settings.parallelism(), settings.target().maxWriters()))
        .name("refresh " + live);
    return env.executeAsync("mmel entity refresh " + live);
  }
}
