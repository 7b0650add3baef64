package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full build on real Flink (local execution in this JVM, with checkpoints and restarts) into
 * the real embedded index, from real WikiMEL entities plus malformed lines. Every indexed vector
 * is compared with a direct encoding of the same entity.
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
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 5, model);
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
    return new EntityEmbeddingJob.Settings(List.of(kb),
        new EncoderSettings(model.toString(), 8, 1, "cpu"),
        new EmbeddedTarget(index.toString()), buildId, 2, Duration.ofMillis(300), 16,
        index.resolveSibling(buildId + "-malformed.txt"));
  }

  @Test
  void buildsExactlyTheKbsEntitiesAndReportsTheBadOnes() throws Exception {
    Path index = dir.resolve("index-a");
    EntityEmbeddingJob.Settings settings = settings("full_build", index);
    List<long[]> progress = new ArrayList<>();
    EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
        JobEnvironments.local(settings.parallelism()), settings,
        (done, total) -> progress.add(new long[] {done, total}));
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
    checkIndexHoldsExactEncodings(index, "full_build");
  }

  @Test
  void recoversFromAFailureMidBuildWithoutLosingOrDuplicatingEntities() throws Exception {
    Path index = dir.resolve("index-b");
    EntityEmbeddingJob.Settings settings = settings("failing_build", index);
    StreamExecutionEnvironment env = JobEnvironments.local(settings.parallelism());
    DataStream<Change> valid = EntityEmbeddingJob.readAndValidate(env, settings);
    DataStream<Change> failing = valid
        .map(new FailOnce(dir.resolve("failed-once").toString(), 40, 100)).name("fail once");
    EntityEmbeddingJob.indexInto(failing, settings,
        EntityEmbeddingJob.ModelInfo.of(settings.encoder()));
    EntityEmbeddingJob.execute(env, settings, (done, total) -> { });
    assertTrue(Files.exists(dir.resolve("failed-once")), "the failure was injected");
    checkIndexHoldsExactEncodings(index, "failing_build");
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
   */
  static final class FailOnce extends RichMapFunction<Change, Change> {
    private static final long serialVersionUID = 1L;
    private final String marker;
    private final int after;
    private final long delayMillis;
    private transient int seen;

    FailOnce(String marker, int after, long delayMillis) {
      this.marker = marker;
      this.after = after;
      this.delayMillis = delayMillis;
    }

    @Override
    public Change map(Change value) throws Exception {
      Thread.sleep(delayMillis);
      if (++seen >= after && !Files.exists(Path.of(marker))) {
        Files.createFile(Path.of(marker));
        throw new IllegalStateException("injected failure after " + seen + " records");
      }
      return value;
    }
  }
}
