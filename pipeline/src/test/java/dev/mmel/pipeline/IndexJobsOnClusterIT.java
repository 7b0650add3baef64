package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.testkit.LocalFlinkCluster;
import dev.mmel.testkit.MilvusTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index jobs on a real standalone Flink cluster (infra/flink.sh), submitted with the job
 * jar the pipeline module builds: a build whose TaskManager is killed half-way, replaced, and
 * resumed from its last checkpoint, and a build whose TaskManagers write into the real Milvus
 * server (infra/milvus.sh). The command line on the cluster: the app's IndexCommandOnClusterIT.
 */
class IndexJobsOnClusterIT {
  private static final int ENTITIES = 60;

  @TempDir
  static Path dir;

  private static LocalFlinkCluster cluster;
  private static Path model;
  private static List<KbEntity> entities;
  private static Path kb;

  @BeforeAll
  static void clusterModelAndKb() throws Exception {
    cluster = LocalFlinkCluster.acquire();
    model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 11, SharedData.file(SharedData.CLIP_VOCAB), model);
    entities = IndexAssertions.wikiMelEntities(ENTITIES);
    kb = Files.write(dir.resolve("kb.jsonl"), entities.stream().map(KbJsonl::toLine).toList());
  }

  @AfterAll
  static void releaseCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The TaskManagers load the Milvus SDK from the job jar and write to the real server. */
  private static ClusterAddress flinkAddress() {
    return ClusterAddress.parse("flink rest", cluster.rest().toString());
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void buildsIntoMilvusFromTheClusterTaskManagers() throws Exception {
    try (MilvusTestServer milvus = MilvusTestServer.acquire("[cluster-it]")) {
      MilvusTarget target =
          new MilvusTarget(milvus.uri(), "itcluster" + System.nanoTime() % 1_000_000);
      try {
        EntityEmbeddingJob.Settings settings = EntityEmbeddingJob.Settings.builder()
            .kbFiles(List.of(kb))
            .encoder(new EncoderSettings(model.toString(), 8, 1, "cpu"))
            .target(target)
            .buildId("cluster_milvus")
            .parallelism(2)
            .checkpointInterval(Duration.ofMillis(500))
            .sinkBatch(8)
            .malformedReport(dir.resolve("cluster_milvus-malformed.txt"))
            .build();
        StreamExecutionEnvironment env = JobEnvironments.cluster(flinkAddress(), 2,
            List.of(JobEnvironments.defaultJobJar()));
        EntityEmbeddingJob.Outcome outcome =
            EntityEmbeddingJob.run(env, settings, (done, total) -> { });
        assertEquals(ENTITIES, outcome.encoded());
        cluster.awaitFinished(cluster.awaitJob("mmel entity embedding cluster_milvus"));
        try (EntityIndexStore store = target.open(); EntityIndex live = store.openLive()) {
          assertEquals("cluster_milvus", store.liveBuildId().orElseThrow());
          IndexAssertions.assertHoldsExactEncodings(live, model, entities);
        }
      } finally {
        MilvusCollections.dropAll(milvus.uri(), target.collectionPrefix());
      }
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void buildRecoversWhenItsTaskManagerIsKilledMidBuild() throws Exception {
    assumeTrue(cluster.scripted(), "killing a TaskManager needs the cluster of infra/flink.sh; "
        + "MMEL_FLINK_REST points at another one");
    Path index = dir.resolve("killed-index");
    EntityEmbeddingJob.Settings settings = EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(kb))
        .encoder(new EncoderSettings(model.toString(), 8, 1, "cpu"))
        .target(new EmbeddedTarget(index.toString()))
        .buildId("tm_killed")
        .parallelism(2)
        .checkpointInterval(Duration.ofMillis(300))
        .sinkBatch(16)
        .malformedReport(dir.resolve("tm_killed-malformed.txt"))
        .build();
    StreamExecutionEnvironment env = JobEnvironments.cluster(flinkAddress(), 2,
        List.of(JobEnvironments.defaultJobJar(), LocalFlinkCluster.testClassesJar(IndexJobsOnClusterIT.class)));
    // Slowed to about 7 entities/s, so the kill lands with most of the KB still to do.
    DataStream<Change> slow = EntityEmbeddingJob.readAndValidate(env, settings)
        .map(new Throttle(150)).name("throttle");
    EntityEmbeddingJob.indexInto(slow, settings,
        EntityEmbeddingJob.ModelInfo.of(settings.encoder()));
    CompletableFuture<EntityEmbeddingJob.Outcome> build = CompletableFuture.supplyAsync(() -> {
      try {
        return EntityEmbeddingJob.execute(env, settings, (done, total) -> { });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String job = cluster.awaitJob("mmel entity embedding tm_killed");
    long before;
    try {
      before = cluster.awaitCompletedCheckpoints(job, 4);
      assertEquals("RUNNING", cluster.getJson("/jobs/" + job).path("state").asText(),
          "the build must still run when its TaskManager is killed");
      cluster.killTaskManager();
      cluster.startTaskManager();
      build.get(4, TimeUnit.MINUTES);
    } finally {
      if (!build.isDone()) {
        cluster.cancel(job);
      }
    }
    cluster.awaitFinished(job);
    JsonNode restored = cluster.awaitJson("/jobs/" + job + "/checkpoints",
        stats -> stats.path("latest").path("restored").has("id"),
        "the job restarted from a checkpoint after the kill").path("latest").path("restored");
    assertTrue(restored.path("id").asLong() >= before, "restored checkpoint "
        + restored.path("id") + ", " + before + " had completed before the kill");
    System.out.printf("IndexJobsOnClusterIT: TaskManager killed after %d checkpoints; job %s "
        + "restored checkpoint %d and finished%n", before, job, restored.path("id").asLong());
    try (EntityIndexStore store = settings.target().open(); EntityIndex live = store.openLive()) {
      assertEquals("tm_killed", store.liveBuildId().orElseThrow());
      IndexAssertions.assertHoldsExactEncodings(live, model, entities);
    }
  }
}
