package dev.mmel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.serving.ServingFixture;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * /readyz follows grpc.health.v1: 503 while the entity index stops answering (the server goes
 * NOT_SERVING), 200 once it answers again; /healthz stays 200 throughout.
 */
@Timeout(300)
class HttpReadinessIT {
  @TempDir
  Path dir;

  @Test
  void readinessIsTheGrpcHealthState() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    try (ServingFixture fixture = ServingFixture.start(dir, ServingFixture.wikiMelEntities(10),
        ServingFixture.settings().httpPort(ServingFixture.freePort()).build(), Optional.empty(),
        Duration.ofMillis(2), store -> new Failing(store, down))) {
      HttpClientSupport http = new HttpClientSupport(fixture.server().httpPort(), null);
      assertEquals(200, http.get("/readyz").statusCode());
      down.set(true);
      assertEquals("NOT_SERVING", awaitStatus(http, 503));
      assertEquals(200, http.get("/healthz").statusCode(), "alive while not ready");
      down.set(false);
      assertEquals("SERVING", awaitStatus(http, 200));
    }
  }

  private static String awaitStatus(HttpClientSupport http, int status) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> ready = http.get("/readyz");
    while (ready.statusCode() != status && System.nanoTime() < end) {
      Thread.sleep(100);
      ready = http.get("/readyz");
    }
    assertEquals(status, ready.statusCode(), ready.body());
    return ready.body().replaceAll(".*\"status\":\"([A-Z_]+)\".*", "$1");
  }

  /** The store, but its live build cannot be read while {@code down} is set. */
  private record Failing(EntityIndexStore store, AtomicBoolean down)
      implements EntityIndexStore {
    @Override
    public Optional<String> liveBuildId() {
      if (down.get()) {
        throw new IllegalStateException("the store is down (test)");
      }
      return store.liveBuildId();
    }

    @Override
    public EntityIndex openLive() {
      return store.openLive();
    }

    @Override
    public EntityIndex openBuild(String buildId, String modelVersion, IndexSchema schema) {
      return store.openBuild(buildId, modelVersion, schema);
    }

    @Override
    public void publish(String buildId, PublishPolicy policy) {
      store.publish(buildId, policy);
    }

    @Override
    public String rollback() {
      return store.rollback();
    }

    @Override
    public void dropBuild(String buildId) {
      store.dropBuild(buildId);
    }

    @Override
    public Optional<String> previousBuildId() {
      return store.previousBuildId();
    }

    @Override
    public List<BuildInfo> builds() {
      return store.builds();
    }

    @Override
    public List<BuildInfo> gc(Duration minAge) {
      return store.gc(minAge);
    }

    @Override
    public void close() {
      // The fixture closes the real store.
    }
  }
}
