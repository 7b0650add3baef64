package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.app.MmelCli;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.pipeline.EmbeddedTarget;
import dev.mmel.pipeline.IndexAssertions;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.testkit.LocalFlinkCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mmel index build|refresh --flink-cluster} on a real standalone Flink cluster
 * (infra/flink.sh), submitted with the job jar the pipeline module builds.
 */
class IndexCommandOnClusterIT {
  private static final int ENTITIES = 60;

  @TempDir
  static Path dir;

  private static LocalFlinkCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalFlinkCluster.acquire();
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
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 11,
        SharedData.file(SharedData.CLIP_VOCAB), model);
    List<KbEntity> entities = IndexAssertions.wikiMelEntities(ENTITIES);
    Path kb = Files.write(dir.resolve("kb.jsonl"),
        entities.stream().map(KbJsonl::toLine).toList());
    Path index = dir.resolve("cli-index");
    String address = cluster.rest().toString();
    int code = MmelCli.commandLine().execute("index", "build", "--kb", kb.toString(),
        "--model", model.toString(), "--index", index.toString(), "--build-id", "on_cluster",
        "--parallelism", "2", "--checkpoint-interval", "1s", "--flink-cluster", address);
    assertEquals(0, code, "index build --flink-cluster");
    cluster.awaitFinished(cluster.awaitJob("mmel entity embedding on_cluster"));
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
      cluster.cancel(cluster.awaitJob("mmel entity refresh on_cluster"));
    }
    assertEquals(0, refresh.get(2, TimeUnit.MINUTES), "refresh ends when its job is cancelled");
  }
}
