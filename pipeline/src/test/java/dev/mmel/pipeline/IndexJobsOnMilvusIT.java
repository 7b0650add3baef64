package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.milvus.LocalMilvus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both index jobs against a real Milvus server (started by infra/milvus.sh unless one runs):
 * the full build with two sink instances writing concurrently, published through the alias,
 * every indexed vector equal to a direct encoding; and the refresh job on the published build.
 */
class IndexJobsOnMilvusIT {
  private static final int ENTITIES = 30;

  private static LocalMilvus milvus;

  @TempDir
  Path dir;

  @BeforeAll
  static void server() {
    milvus = LocalMilvus.acquire(repositoryRoot());
  }

  @AfterAll
  static void releaseServer() {
    if (milvus != null) {
      milvus.close();
    }
  }

  /** Each test's collections under a prefix of their own, so runs never meet. */
  private static MilvusTarget freshTarget(String name) {
    return new MilvusTarget(milvus.uri(), name + System.nanoTime() % 1_000_000);
  }

  @Test
  void buildsIntoMilvusAndPublishesThroughTheAlias() throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 9, model);
    List<KbEntity> entities = IndexAssertions.wikiMelEntities(ENTITIES);
    List<String> lines = entities.stream().map(KbJsonl::toLine).toList();
    Path kb = Files.write(dir.resolve("kb.jsonl"), lines);
    MilvusTarget target = freshTarget("itbuild");
    EntityEmbeddingJob.Settings settings = new EntityEmbeddingJob.Settings(List.of(kb),
        new EncoderSettings(model.toString(), 8, 1, "cpu"), target, "milvus_build", 2,
        Duration.ofMillis(500), 8, dir.resolve("malformed.txt"));
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

  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("infra/milvus.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("infra/milvus.sh not found above " + Path.of("")
        .toAbsolutePath());
  }
}
