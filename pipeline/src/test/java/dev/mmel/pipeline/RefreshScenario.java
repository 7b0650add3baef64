package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;

/**
 * What the refresh job must do on every store, on real Flink (local): change-log files dropped
 * into a directory are applied to the live build in order per QID, bad lines are reported, and
 * re-encoded entities equal a direct encoding.
 */
final class RefreshScenario {
  private RefreshScenario() {}

  /** Builds 10 entities into {@code target}, then refreshes them; files go under {@code dir}. */
  static void run(IndexTarget target, Path dir) throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 2, SharedData.file(SharedData.CLIP_VOCAB), model);
    String vocab = SharedData.file(SharedData.CLIP_VOCAB).toString();
    EncoderSettings encoder = new EncoderSettings(model.toString(), 8, 1, "cpu");
    Path kb = dir.resolve("kb.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      lines.add("{\"qid\":\"Q" + i + "\",\"name\":\"Entity " + i + "\"}");
    }
    Files.write(kb, lines);
    EntityEmbeddingJob.Settings build = EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(kb))
        .encoder(encoder)
        .target(target)
        .buildId("base")
        .parallelism(1)
        .checkpointInterval(Duration.ofSeconds(1))
        .sinkBatch(16)
        .malformedReport(dir.resolve("build-malformed.txt"))
        .build();
    EntityEmbeddingJob.run(JobEnvironments.local(1), build, (d, t) -> { });

    Path changes = Files.createDirectories(dir.resolve("changes"));
    EntityRefreshJob.Settings refresh = EntityRefreshJob.Settings.builder()
        .changesDir(changes)
        .encoder(encoder)
        .target(target)
        .parallelism(2)
        .pollInterval(Duration.ofMillis(300))
        .checkpointInterval(Duration.ofMillis(500))
        .sinkBatch(16)
        .malformedReport(dir.resolve("refresh-malformed.txt"))
        .build();
    JobClient job = EntityRefreshJob.start(JobEnvironments.local(2), refresh);
    try (EntityIndexStore store = target.open()) {
      Files.write(changes.resolve("0001.jsonl"), List.of(
          "{\"op\":\"upsert\",\"qid\":\"Q100\",\"name\":\"Newcomer\",\"aliases\":[\"New One\"]}",
          "{\"op\":\"upsert\",\"qid\":\"Q1\",\"name\":\"Entity One Renamed\"}",
          "{\"op\":\"delete\",\"qid\":\"Q2\"}",
          "{\"op\":\"rename\",\"qid\":\"Q3\"}"));
      IndexAssertions.awaitLive(store, index -> index.count() == 10
          && index.records(List.of("Q1")).get("Q1").name().equals("Entity One Renamed")
          && !index.records(List.of("Q2")).containsKey("Q2")
          && index.lookupByName("new one", 5).size() == 1);

      // An upsert then a delete of the same QID in one file: the delete must win.
      Files.write(changes.resolve("0002.jsonl"), List.of(
          "{\"op\":\"upsert\",\"qid\":\"Q2\",\"name\":\"Back again\"}",
          "{\"op\":\"delete\",\"qid\":\"Q2\"}",
          "{\"op\":\"delete\",\"qid\":\"Q100\"}"));
      IndexAssertions.awaitLive(store, index -> index.count() == 9);
      try (EntityIndex live = store.openLive()) {
        assertFalse(live.records(List.of("Q2", "Q100")).containsKey("Q2"), "delete applied last");
        assertEquals("base", store.liveBuildId().orElseThrow(), "refreshed in place");
        checkEncodedLikeDirect(live, model, vocab, "Q1", "Entity One Renamed");
      }
    } finally {
      job.cancel().get();
    }
    List<String> report = Files.readAllLines(refresh.malformedReport());
    assertEquals(1, report.size(), report.toString());
    assertTrue(report.get(0).contains(":4: field 'op' must be \"upsert\" or \"delete\""),
        report.get(0));
  }

  private static void checkEncodedLikeDirect(EntityIndex live, Path model, String vocab,
      String qid, String name) throws Exception {
    try (MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
      int[][] ids = ClipTokenizer.load(Path.of(vocab), mmoe.config().preprocessing().text())
          .encodeBatch(
          List.of(LinkingTexts.entity(name, "")), mmoe.config().contextLength());
      float[] direct = mmoe.encodeEntities(ids, null).retrieval();
      double selfDot = 0;
      for (float v : direct) {
        selfDot += v * v;
      }
      var hit = live.search(direct, 1, EntityFilter.only(Set.of(qid))).get(0);
      assertEquals(selfDot, hit.score(), 1e-4 * selfDot, qid + " re-encoded from its new text");
    }
  }
}
