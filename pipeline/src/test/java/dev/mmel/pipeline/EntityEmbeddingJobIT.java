package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.BuildCount;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full build on real Flink (local execution in this JVM, with checkpoints and restarts) into
 * the real embedded index, from real WikiMEL entities plus malformed lines. Every indexed vector
 * is compared with a direct encoding of the same entity; a failed build is shown to resume from
 * its last checkpoint rather than start over.
 */
class EntityEmbeddingJobIT {
  private static final int ENTITIES = 60;

  @TempDir
  static Path dir;

  private static Path model;
  private static Path kb;
  private static List<KbEntity> expected;

  @BeforeAll
  static void modelAndKb() throws Exception {
    model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 5, SharedData.file(SharedData.CLIP_VOCAB), model);
    List<String> images = new ArrayList<>();
    try (var files = Files.list(SharedData.file("wikimel/images"))) {
      files.sorted().limit(2).forEach(p -> images.add(p.toString()));
    }
    expected = new ArrayList<>();
    for (KbEntity e : IndexAssertions.wikiMelEntities(ENTITIES)) {
      String image = expected.size() < 2 ? images.get(expected.size())
          : expected.size() == 2 ? dir.resolve("missing.jpg").toString() : null;
      expected.add(new KbEntity(e.qid(), e.name(), List.of(), e.description(), image));
    }
    List<String> lines = new ArrayList<>();
    expected.forEach(e -> lines.add(KbJsonl.toLine(e)));
    lines.add(7, "{broken json");
    lines.add(20, "{\"qid\":\"Q1\"}");
    lines.add(30, "{\"qid\":\"Q2\",\"name\":\"" + "n".repeat(600) + "\"}");
    lines.add("");
    kb = dir.resolve("kb.jsonl");
    Files.write(kb, lines);
  }

  private static EntityEmbeddingJob.Settings settings(String buildId, Path index) {
    return settings(buildId, index, kb);
  }

  private static EntityEmbeddingJob.Settings settings(String buildId, Path index, Path kbFile) {
    return EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(kbFile))
        .encoder(new EncoderSettings(model.toString(), 8, 1, "cpu"))
        .target(new EmbeddedTarget(index.toString()))
        .buildId(buildId)
        .parallelism(2)
        .checkpointInterval(Duration.ofMillis(300))
        .sinkBatch(16)
        .malformedReport(index.resolveSibling(buildId + "-malformed.txt"))
        .build();
  }

  @Test
  void buildsExactlyTheKbsEntitiesAndReportsTheBadOnes() throws Exception {
    Path index = dir.resolve("index-a");
    EntityEmbeddingJob.Settings settings = settings("full_build", index);
    List<long[]> progress = new ArrayList<>();
    EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
        JobEnvironments.local(settings.parallelism()), settings,
        (done, total) -> progress.add(new long[] {done, total}));
    assertTrue(outcome.published(), outcome.refusal().toString());
    assertEquals(ENTITIES, outcome.valid());
    assertEquals(3, outcome.malformed());
    assertEquals(ENTITIES, outcome.encoded());
    assertEquals(1, outcome.unreadableImages(), "the missing image file");
    assertEquals(ENTITIES + 3, progress.get(progress.size() - 1)[1], "records expected");
    List<String> report = Files.readAllLines(settings.malformedReport());
    assertEquals(3, report.size(), String.join("\n", report));
    assertTrue(report.stream().anyMatch(l -> l.contains(kb + ":8: is not valid JSON")), report
        .toString());
    assertTrue(report.stream().anyMatch(l -> l.contains(":21: field 'name'")), report.toString());
    assertTrue(report.stream().anyMatch(l -> l.contains("name is 600 bytes")), report.toString());
    List<String> images = Files.readAllLines(settings.unreadableImagesReport());
    assertEquals(1, images.size(), String.join("\n", images));
    assertTrue(images.get(0).startsWith(expected.get(2).qid() + " image "
        + dir.resolve("missing.jpg") + ": image: "), images.get(0));
    checkIndexHoldsExactEncodings(index, "full_build");
  }

  @Test
  void resumesFromItsLastCheckpointAfterAFailureMidBuild() throws Exception {
    Path index = dir.resolve("index-b");
    Path log = Files.createDirectories(dir.resolve("fail-once-log"));
    EntityEmbeddingJob.Settings settings = settings("failing_build", index);
    StreamExecutionEnvironment env = JobEnvironments.local(settings.parallelism());
    DataStream<Change> valid = EntityEmbeddingJob.readAndValidate(env, settings);
    DataStream<Change> failing = valid.map(new FailOnce(log.toString(), 40, 100))
        .name("fail once");
    EntityEmbeddingJob.indexInto(failing, settings,
        EntityEmbeddingJob.ModelInfo.of(settings.encoder()));
    EntityEmbeddingJob.execute(env, settings, (done, total) -> { });
    assertTrue(Files.exists(log.resolve(FailOnce.FAILED)), "the failure was injected");

    List<String> restored = read(log, "restored-");
    assertTrue(!restored.isEmpty() && restored.stream().allMatch(id -> Long.parseLong(id) >= 1),
        "every restarted subtask restored a completed checkpoint: " + restored);
    List<String> before = read(log, "attempt-0-");
    List<String> after = read(log, "attempt-1-");
    assertEquals(Set.copyOf(expected.stream().map(KbEntity::qid).toList()),
        union(before, after), "every entity passed before or after the restart");
    assertTrue(after.size() < ENTITIES, "after the restart the job read " + after.size()
        + " of the " + ENTITIES + " entities again, not all: it resumed where its checkpoint "
        + "left off");
    checkIndexHoldsExactEncodings(index, "failing_build");
  }

  /**
   * A KB of nothing but malformed records finishes without error; the default policy refuses
   * to publish what it built, which stays in the store, finished but not live.
   */
  @Test
  void aBuildOfNoValidRecordIsRefusedAndTheLiveBuildStays() throws Exception {
    Path index = dir.resolve("index-c");
    EntityEmbeddingJob.ModelInfo info = EntityEmbeddingJob.ModelInfo.of(
        new EncoderSettings(model.toString(), 8, 1, "cpu"));
    try (EntityIndexStore store = new EmbeddedTarget(index.toString()).open()) {
      try (EntityIndex live = store.openBuild("serving", info.version(), info.schema())) {
        live.upsert(List.of(randomEntity("Q1", info.schema()), randomEntity("Q2",
            info.schema())));
      }
      store.publish("serving");
    }
    Path broken = Files.write(dir.resolve("broken-kb.jsonl"),
        List.of("{broken json", "{\"qid\":\"Q1\"}"));
    EntityEmbeddingJob.Settings settings = settings("empty_build", index, broken);
    EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
        JobEnvironments.local(settings.parallelism()), settings, (done, total) -> { });
    assertEquals(0, outcome.valid());
    assertEquals(2, outcome.malformed());
    assertFalse(outcome.published());
    PublishRefusedException refusal = outcome.refusal().orElseThrow();
    assertEquals(PublishRefusedException.Reason.EMPTY, refusal.reason());
    assertEquals(new BuildCount("serving", 2), refusal.live().orElseThrow());
    try (EntityIndexStore store = new EmbeddedTarget(index.toString()).open()) {
      assertEquals("serving", store.liveBuildId().orElseThrow());
      assertEquals(List.of("serving:live", "empty_build:finished"), store.builds().stream()
          .map(b -> b.buildId() + ":" + b.state().label()).toList());
    }
  }

  private static EncodedEntity randomEntity(String qid, IndexSchema schema) {
    Random random = new Random(qid.hashCode());
    return new EncodedEntity(new EntityRecord(qid, "name " + qid, List.of(), "", null),
        gaussian(random, schema.retrievalDim()), new RerankFeatures(
            gaussian(random, schema.hiddenDim()),
            gaussian(random, schema.textPositions() * schema.hiddenDim()),
            gaussian(random, schema.hiddenDim()),
            gaussian(random, schema.imagePositions() * schema.hiddenDim())));
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  /** The lines of every file in {@code dir} whose name starts with {@code prefix}. */
  private static List<String> read(Path dir, String prefix) throws Exception {
    List<String> lines = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix))
          .toList()) {
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

  private static Set<String> union(List<String> a, List<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }

  private static void checkIndexHoldsExactEncodings(Path index, String buildId) throws Exception {
    try (EntityIndexStore store = new EmbeddedTarget(index.toString()).open();
        EntityIndex live = store.openLive()) {
      assertEquals(buildId, store.liveBuildId().orElseThrow());
      IndexAssertions.assertHoldsExactEncodings(live, model, expected);
    }
  }

  /**
   * Fails the job once, after {@code after} records of one subtask, then never again (the
   * marker file survives the restart). Each record takes {@code delayMillis}, so several
   * checkpoints (every 300 ms) complete, with entities already written, before the failure.
   * Into {@code logDir} it writes, per subtask, the QIDs it passed in each attempt
   * ({@code attempt-<n>-<subtask>}) and the checkpoint a restarted subtask was restored from
   * ({@code restored-<subtask>}).
   */
  static final class FailOnce extends RichMapFunction<Change, Change>
      implements CheckpointedFunction {
    static final String FAILED = "failed-once";
    private static final long serialVersionUID = 1L;
    private final String logDir;
    private final int after;
    private final long delayMillis;
    private transient int seen;
    private transient Path passed;
    private transient ListState<Integer> seenState;

    FailOnce(String logDir, int after, long delayMillis) {
      this.logDir = logDir;
      this.after = after;
      this.delayMillis = delayMillis;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
      // Real state (the records seen), so the operator is part of every checkpoint and a
      // restart restores it.
      seenState = context.getOperatorStateStore().getListState(
          new ListStateDescriptor<>("seen", Integer.class));
      for (Integer count : seenState.get()) {
        seen += count;
      }
      int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      passed = Path.of(logDir, "attempt-"
          + getRuntimeContext().getTaskInfo().getAttemptNumber() + "-" + subtask);
      if (context.isRestored()) {
        Files.writeString(Path.of(logDir, "restored-" + subtask),
            context.getRestoredCheckpointId().orElseThrow() + "\n");
      }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
      seenState.update(List.of(seen));
    }

    @Override
    public Change map(Change value) throws Exception {
      Thread.sleep(delayMillis);
      Path marker = Path.of(logDir, FAILED);
      if (++seen >= after && !Files.exists(marker)) {
        Files.createFile(marker);
        throw new IllegalStateException("injected failure after " + seen + " records");
      }
      Files.writeString(passed, value.qid() + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      return value;
    }
  }
}
