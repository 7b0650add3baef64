package dev.mmel.serving.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EntityRecord;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.Mention;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.milvus.MilvusConfig;
import dev.mmel.retriever.milvus.MilvusEntityIndexStore;
import dev.mmel.serving.ServingFixture;
import dev.mmel.serving.batch.BatchObserver;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.link.BatchedMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import dev.mmel.testkit.LocalMilvus;
import dev.mmel.testkit.RepositoryRoot;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.data.BaseVector;
import io.milvus.v2.service.vector.request.data.FloatVec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a real Milvus 2.3.5 (infra/milvus.sh, an instance of this test's own) that is
 * stopped and started again under a steady load of LinkEntity calls. While Milvus is down every
 * call fails fast with UNAVAILABLE and health says NOT_SERVING; once Milvus answers again the
 * same server (no restart) is SERVING and answers within seconds. The store is opened with the
 * settings `mmel serve --milvus` uses (the SDK's 60 s RPC deadline, three retries): the server
 * bounds its own waits.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class MilvusOutageIT {
  private static final int ENTITIES = 300;
  private static final int CLIENTS = 3;
  private static final Duration INDEX_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(250);
  /** A failing call must end within this. */
  private static final long FAIL_FAST_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** Health says NOT_SERVING within this of Milvus being gone (a poll and an index timeout). */
  private static final long NOT_SERVING_NANOS = TimeUnit.SECONDS.toNanos(3);
  /** Calls succeed again within this of Milvus answering searches again. */
  private static final long RECOVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final int MAX_CALLS_PER_CLIENT = 20_000;

  @TempDir
  Path dir;

  /** One LinkEntity call of the load: when it started and ended (ns since the test began). */
  private record Call(long start, long end, Status.Code code, String description) {
    double seconds() {
      return (end - start) / 1e9;
    }
  }

  @Test
  void callsFailFastWhileMilvusIsDownAndSucceedAgainOnceItIsBack() throws Exception {
    long t0 = System.nanoTime();
    try (LocalMilvus milvus = LocalMilvus.startOwn(RepositoryRoot.find(), "outage-it",
        dir.resolve("milvus-data"))) {
      log(t0, "Milvus up at " + milvus.uri());
      MilvusConfig config = MilvusConfig.defaults(milvus.uri()).withCollectionPrefix("outage");
      Path modelDir = ServingFixture.model(dir, 7);
      List<EntityRecord> entities = ServingFixture.wikiMelEntities(ENTITIES);
      try (MilvusEntityIndexStore store = new MilvusEntityIndexStore(config)) {
        ServingFixture.publish(store, modelDir, "b1", entities);
        log(t0, ENTITIES + " WikiMEL entities published to Milvus");
        LinkingServer server = LinkingServer.start(ServingFixture.settings()
            .indexTimeout(INDEX_TIMEOUT).build(), store, new BindingLoader(
                new ModelRepository(dir), new SessionSettings(2, 0, "cpu"),
                CacheConfig.defaults(), model -> new BatchedMentionEncoder(model,
                    BatcherSettings.builder("test").maxBatchSize(16)
                        .maxWait(Duration.ofMillis(2)).queueCapacity(256).build(),
                    BatchObserver.NONE), Optional.empty(), OptionalDouble.empty(), "milvus"),
            new ServingMetrics(), WATCH_INTERVAL, "none");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext().build();
        try {
          outage(t0, milvus, channel, entities, modelDir);
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          server.close();
        }
      }
    }
  }

  private void outage(long t0, LocalMilvus milvus, ManagedChannel channel,
      List<EntityRecord> entities, Path modelDir) throws Exception {
    EntityLinkerGrpc.EntityLinkerBlockingStub stub = EntityLinkerGrpc.newBlockingStub(channel);
    assertEquals("milvus", stub.getInfo(GetInfoRequest.getDefaultInstance()).getStore());
    ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < MAX_CALLS_PER_CLIENT && running.get(); i++) {
          String name = entities.get((client * 97 + i * 31) % entities.size()).name();
          long start = System.nanoTime();
          Status status = Status.OK;
          try {
            stub.withDeadlineAfter(10, TimeUnit.SECONDS).linkEntity(LinkEntityRequest
                .newBuilder().setMention(Mention.newBuilder().setSurface(name)
                    .setSentence(name + " was in the news.")).build());
          } catch (StatusRuntimeException e) {
            status = e.getStatus();
          }
          calls.add(new Call(start - t0, System.nanoTime() - t0, status.getCode(),
              status.getDescription()));
          sleep(20);
        }
      }, "load-" + c);
      thread.start();
      clients.add(thread);
    }
    try {
      await("30 calls answered before the outage", 60,
          () -> calls.stream().filter(call -> call.code() == Status.Code.OK).count() >= 30);
      assertEquals(ServingStatus.SERVING, health(channel));
      log(t0, "steady load: " + calls.size() + " calls, health SERVING; stopping Milvus");

      long stopAt = System.nanoTime() - t0;
      milvus.stopServer();
      long stoppedAt = System.nanoTime() - t0;
      log(t0, "Milvus stopped (the script took " + secs(stoppedAt - stopAt) + " s)");
      await("health NOT_SERVING", 30, () -> health(channel) == ServingStatus.NOT_SERVING);
      long notServingAt = System.nanoTime() - t0;
      log(t0, "health NOT_SERVING " + secs(notServingAt - stopAt) + " s after the stop began");
      assertTrue(notServingAt - stoppedAt < NOT_SERVING_NANOS, "NOT_SERVING "
          + secs(notServingAt - stoppedAt) + " s after Milvus was gone");
      Thread.sleep(5_000);
      assertEquals(ServingStatus.NOT_SERVING, health(channel), "still down");

      long startAt = System.nanoTime() - t0;
      milvus.startServer();
      long healthyAt = System.nanoTime() - t0;
      log(t0, "Milvus started again, /healthz OK after " + secs(healthyAt - startAt) + " s");
      long answersAt = awaitMilvusSearches(t0, milvus.uri(), modelDir) - t0;
      log(t0, "Milvus answers searches again " + secs(answersAt - healthyAt)
          + " s after /healthz");
      await("a call answered after Milvus came back", 120, () -> calls.stream()
          .anyMatch(call -> call.code() == Status.Code.OK && call.start() > startAt));
      long recoveredAt = calls.stream().filter(call -> call.code() == Status.Code.OK
          && call.start() > startAt).mapToLong(Call::end).min().orElseThrow();
      assertEquals(ServingStatus.SERVING, health(channel));
      log(t0, "first call answered " + secs(recoveredAt - answersAt) + " s after Milvus "
          + "answered searches (" + secs(recoveredAt - healthyAt) + " s after /healthz)");
      Thread.sleep(3_000);
      running.set(false);
      for (Thread client : clients) {
        client.join(30_000);
      }
      long endAt = System.nanoTime() - t0;

      List<Call> all = new ArrayList<>(calls);
      Map<Status.Code, Integer> codes = new TreeMap<>();
      all.forEach(call -> codes.merge(call.code(), 1, Integer::sum));
      List<Call> failed = all.stream().filter(call -> call.code() != Status.Code.OK).toList();
      double slowest = failed.stream().mapToDouble(Call::seconds).max().orElse(0);
      double[] sorted = failed.stream().mapToDouble(Call::seconds).sorted().toArray();
      double median = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
      log(t0, all.size() + " calls in " + secs(endAt) + " s: " + codes + "; failing calls took "
          + "at most " + String.format("%.3f", slowest) + " s (median "
          + String.format("%.3f", median) + " s)");

      assertEquals(List.of(), failed.stream().filter(call -> call.code()
          != Status.Code.UNAVAILABLE).toList(), "only UNAVAILABLE while Milvus is down");
      assertTrue(!failed.isEmpty(), "calls made while Milvus was down failed");
      assertEquals(List.of(), failed.stream().filter(call -> call.end() - call.start()
          >= FAIL_FAST_NANOS).toList(), "every failing call ended within 2 s");
      assertEquals(List.of(), failed.stream().filter(call -> call.end() < stopAt
          || call.start() > recoveredAt).toList(), "calls failed only during the outage");
      assertTrue(recoveredAt - answersAt < RECOVERY_NANOS, "calls succeeded "
          + secs(recoveredAt - answersAt) + " s after Milvus answered searches again");
      assertTrue(all.stream().filter(call -> call.start() > recoveredAt)
          .allMatch(call -> call.code() == Status.Code.OK), "every call after the recovery");
      assertEquals("b1", EntityLinkerGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).getInfo(GetInfoRequest.getDefaultInstance())
          .getIndexBuildId(), "the same server serves the same build");
    } finally {
      running.set(false);
      for (Thread client : clients) {
        client.join(30_000);
      }
    }
  }

  /**
   * When Milvus answers a search on the live build again, seen by a client of its own (a fresh
   * connection, so no reconnect backoff of the server's client counts here).
   */
  private static long awaitMilvusSearches(long t0, String uri, Path modelDir) throws Exception {
    int dim;
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults())) {
      dim = model.schema().retrievalDim();
    }
    float[] query = new float[dim];
    Arrays.fill(query, 1f);
    SearchReq search = SearchReq.builder().collectionName("outage_live").annsField("retrieval")
        .metricType(IndexParam.MetricType.IP).data(List.<BaseVector>of(new FloatVec(query)))
        .topK(1).build();
    MilvusClientV2 client = new MilvusClientV2(ConnectConfig.builder().uri(uri)
        .connectTimeoutMs(2_000).rpcDeadlineMs(2_000).build());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      String last = "";
      while (System.nanoTime() < deadline) {
        try {
          client.search(search);
          return System.nanoTime();
        } catch (RuntimeException e) {
          if (!String.valueOf(e.getMessage()).equals(last)) {
            last = String.valueOf(e.getMessage());
            log(t0, "Milvus does not search yet: " + last);
          }
        }
        Thread.sleep(100);
      }
      throw new AssertionError("Milvus did not answer a search within 120 s of its start");
    } finally {
      client.close();
    }
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("mmel.v1.EntityLinker").build())
        .getStatus();
  }

  private static void await(String what, int seconds, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(50);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String secs(long nanos) {
    return String.format("%.2f", nanos / 1e9);
  }

  private static void log(long t0, String message) {
    System.out.printf("[outage-it %7.2f s] %s%n", (System.nanoTime() - t0) / 1e9, message);
  }
}
