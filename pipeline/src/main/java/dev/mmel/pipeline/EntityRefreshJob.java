package dev.mmel.pipeline;

import dev.mmel.model.data.MalformedRecord;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  public record Settings(Path changesDir, EncoderSettings encoder, IndexTarget target,
      int parallelism, Duration pollInterval, Duration checkpointInterval, int sinkBatch,
      Path malformedReport) {
    public Settings {
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
    malformed.sinkTo(new MalformedReportSink(settings.malformedReport().toString()))
        .setParallelism(1).name("malformed report");
    // Keyed by QID, so every change of one entity takes the same path, in order.
    DataStream<EncodedChange> encoded = changes
        .keyBy(Change::qid)
        .transform("encode", TypeInformation.of(EncodedChange.class),
            new EncodeOperator(settings.encoder()))
        .setParallelism(settings.parallelism());
    encoded.sinkTo(new EntityIndexSink(settings.target(), live, model.version(), model.schema(),
            settings.sinkBatch()))
        .setParallelism(Math.min(settings.parallelism(), settings.target().maxWriters()))
        .name("refresh " + live);
    return env.executeAsync("mmel entity refresh " + live);
  }
}
