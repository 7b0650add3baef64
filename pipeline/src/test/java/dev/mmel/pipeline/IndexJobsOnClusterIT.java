package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mmel.model.cli.MmelCli;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.milvus.LocalMilvus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index jobs on a real standalone Flink cluster (infra/flink.sh), submitted with the job
 * jar the pipeline module builds: {@code mmel index build|refresh --flink-cluster}, and a build
 * whose TaskManager is killed half-way, replaced, and resumed from its last checkpoint, and a
 * build whose TaskManagers write into the real Milvus server (infra/milvus.sh).
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
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 11, model);
    entities = IndexAssertions.wikiMelEntities(ENTITIES);
    kb = Files.write(dir.resolve("kb.jsonl"), entities.stream().map(KbJsonl::toLine).toList());
  }

  @AfterAll
  static void releaseCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void buildAndRefreshFromTheCommandLineRunOnTheCluster() throws Exception {
    Path index = dir.resolve("cli-index");
    String address = cluster.address().toString();
    int code = MmelCli.commandLine().execute("index", "build", "--kb", kb.toString(),
        "--model", model.toString(), "--index", index.toString(), "--build-id", "on_cluster",
        "--parallelism", "2", "--checkpoint-interval", "1s", "--flink-cluster", address);
    assertEquals(0, code, "index build --flink-cluster");
    awaitFinished(cluster.jobId("mmel entity embedding on_cluster"));
    EmbeddedTarget target = new EmbeddedTarget(index.toString());
    try (EntityIndexStore store = target.open(); EntityIndex live = store.openLive()) {
      assertEquals("on_cluster", store.liveBuildId().orElseThrow());
      IndexAssertions.assertHoldsExactEncodings(live, model, entities);
    }

    Path changes = Files.createDirectories(dir.resolve("changes"));
    CompletableFuture<Integer> refresh = CompletableFuture.supplyAsync(() ->
        MmelCli.commandLine().execute("index", "refresh", "--changes", changes.toString(),
            "--model", model.toString(), "--index", index.toString(), "--poll", "500ms",
            "--checkpoint-interval", "500ms", "--flink-cluster", address));
    KbEntity renamed = entities.get(0);
    String deleted = entities.get(1).qid();
    Files.write(changes.resolve("0001.jsonl"), List.of(
        "{\"op\":\"upsert\",\"qid\":\"" + renamed.qid() + "\",\"name\":\"Renamed on the cluster\"}",
        "{\"op\":\"delete\",\"qid\":\"" + deleted + "\"}"));
    try (EntityIndexStore store = target.open()) {
      IndexAssertions.awaitLive(store, live -> live.count() == ENTITIES - 1
          && live.records(List.of(renamed.qid())).get(renamed.qid()).name()
              .equals("Renamed on the cluster"));
    } finally {
      String refreshJob = awaitJob("mmel entity refresh on_cluster");
      cancel(refreshJob);
    }
    assertEquals(0, refresh.get(2, TimeUnit.MINUTES), "refresh ends when its job is cancelled");
  }

  /** The TaskManagers load the Milvus SDK from the job jar and write to the real server. */
  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void buildsIntoMilvusFromTheClusterTaskManagers() throws Exception {
    try (LocalMilvus milvus = LocalMilvus.acquire(IndexJobsOnMilvusIT.repositoryRoot())) {
      MilvusTarget target =
          new MilvusTarget(milvus.uri(), "itcluster" + System.nanoTime() % 1_000_000);
      EntityEmbeddingJob.Settings settings = new EntityEmbeddingJob.Settings(List.of(kb),
          new EncoderSettings(model.toString(), 8, 1, "cpu"), target, "cluster_milvus", 2,
          Duration.ofMillis(500), 8, dir.resolve("cluster_milvus-malformed.txt"));
      StreamExecutionEnvironment env = JobEnvironments.cluster(cluster.address(), 2,
          List.of(JobEnvironments.defaultJobJar()));
      EntityEmbeddingJob.Outcome outcome =
          EntityEmbeddingJob.run(env, settings, (done, total) -> { });
      assertEquals(ENTITIES, outcome.encoded());
      awaitFinished(cluster.jobId("mmel entity embedding cluster_milvus"));
      try (EntityIndexStore store = target.open(); EntityIndex live = store.openLive()) {
        assertEquals("cluster_milvus", store.liveBuildId().orElseThrow());
        IndexAssertions.assertHoldsExactEncodings(live, model, entities);
      }
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void buildRecoversWhenItsTaskManagerIsKilledMidBuild() throws Exception {
    assumeTrue(cluster.scripted(), "killing a TaskManager needs the cluster of infra/flink.sh; "
        + "MMEL_FLINK_REST points at another one");
    Path index = dir.resolve("killed-index");
    EntityEmbeddingJob.Settings settings = new EntityEmbeddingJob.Settings(List.of(kb),
        new EncoderSettings(model.toString(), 8, 1, "cpu"),
        new EmbeddedTarget(index.toString()), "tm_killed", 2, Duration.ofMillis(300), 16,
        dir.resolve("tm_killed-malformed.txt"));
    StreamExecutionEnvironment env = JobEnvironments.cluster(cluster.address(), 2,
        List.of(JobEnvironments.defaultJobJar(), LocalFlinkCluster.testClassesJar()));
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
    String job = awaitJob("mmel entity embedding tm_killed");
    long before;
    try {
      before = awaitCompletedCheckpoints(job, 4);
      assertEquals("RUNNING", cluster.getJson("/jobs/" + job).path("state").asText(),
          "the build must still run when its TaskManager is killed");
      cluster.killTaskManager();
      cluster.startTaskManager();
      build.get(4, TimeUnit.MINUTES);
    } finally {
      if (!build.isDone()) {
        cancel(job);
      }
    }
    awaitFinished(job);
    JsonNode restored = awaitJson("/jobs/" + job + "/checkpoints",
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

  /** The REST API serves job details from a cache refreshed every few seconds. */
  private static void awaitFinished(String job) throws Exception {
    awaitJson("/jobs/" + job, details -> "FINISHED".equals(details.path("state").asText()),
        "job " + job + " FINISHED");
  }

  private static JsonNode awaitJson(String path, Predicate<JsonNode> done, String what)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode json = cluster.getJson(path);
      if (done.test(json)) {
        return json;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + what + " within 60 s; GET " + path + ": " + json);
      }
      Thread.sleep(250);
    }
  }

  private static String awaitJob(String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      try {
        return cluster.jobId(name);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /** Waits until at least {@code count} checkpoints completed; returns how many did. */
  private static long awaitCompletedCheckpoints(String job, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      long completed = 0;
      try {
        completed = cluster.getJson("/jobs/" + job + "/checkpoints").path("counts")
            .path("completed").asLong();
      } catch (IOException e) {
        // Refused while the JobManager still initialises the job.
      }
      if (completed >= count) {
        return completed;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + completed + " checkpoints of job " + job
            + " completed in 2 minutes");
      }
      Thread.sleep(100);
    }
  }

  private static void cancel(String job) throws Exception {
    URI uri = cluster.rest().resolve("/jobs/" + job + "?mode=cancel");
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(uri).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, response.statusCode(), "cancel " + job + ": " + response.body());
  }
}
