package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.testkit.MilvusTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both index jobs against a real Milvus server (MMEL_MILVUS_URI's, else infra/milvus.sh's): the
 * full build with two sink instances writing concurrently, published through the alias, every
 * indexed vector equal to a direct encoding; and the refresh job on the published build. Each
 * test writes under a prefix of its own and drops what it created.
 */
class IndexJobsOnMilvusIT {
  private static final int ENTITIES = 30;

  private static MilvusTestServer milvus;

  @TempDir
  Path dir;

  private MilvusTarget target;

  @BeforeAll
  static void server() {
    milvus = MilvusTestServer.acquire("[pipeline-milvus-it]");
  }

  @AfterAll
  static void releaseServer() {
    if (milvus != null) {
      milvus.close();
    }
  }

  @AfterEach
  void dropCollections() {
    if (target != null) {
      MilvusCollections.dropAll(milvus.uri(), target.collectionPrefix());
    }
  }

  /** This test's collections under a prefix of their own, so runs never meet. */
  private MilvusTarget freshTarget(String name) {
    target = new MilvusTarget(milvus.uri(), name + System.nanoTime() % 1_000_000);
    return target;
  }

  @Test
  void buildsIntoMilvusAndPublishesThroughTheAlias() throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 9, SharedData.file(SharedData.CLIP_VOCAB), model);
    List<KbEntity> entities = IndexAssertions.wikiMelEntities(ENTITIES);
    List<String> lines = entities.stream().map(KbJsonl::toLine).toList();
    Path kb = Files.write(dir.resolve("kb.jsonl"), lines);
    MilvusTarget target = freshTarget("itbuild");
    EntityEmbeddingJob.Settings settings = EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(kb))
        .encoder(new EncoderSettings(model.toString(), 8, 1, "cpu"))
        .target(target)
        .buildId("milvus_build")
        .parallelism(2)
        .checkpointInterval(Duration.ofMillis(500))
        .sinkBatch(8)
        .malformedReport(dir.resolve("malformed.txt"))
        .build();
    EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(
        JobEnvironments.local(2), settings, (d, t) -> { });
    assertEquals(ENTITIES, outcome.encoded());
    try (EntityIndexStore store = target.open(); EntityIndex live = store.openLive()) {
      assertEquals("milvus_build", store.liveBuildId().orElseThrow());
      IndexAssertions.assertHoldsExactEncodings(live, model, entities);
    }
  }

  @Test
  void refreshAppliesChangesToThePublishedCollection() throws Exception {
    RefreshScenario.run(freshTarget("itrefresh"), dir);
  }
}
