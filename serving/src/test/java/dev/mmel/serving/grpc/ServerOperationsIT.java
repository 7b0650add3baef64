package dev.mmel.serving.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.BadRequest;
import dev.mmel.core.EntityRecord;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.Mention;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.serving.ServingFixture;
import dev.mmel.serving.link.DirectMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operating the server involves, on real servers on 127.0.0.1: bytes that are not a valid
 * request, a bearer token, hot swaps of the index and of the model under load, a model that did
 * not write the index, and a shutdown with calls in flight.
 */
class ServerOperationsIT {
  @TempDir
  Path dir;

  @Test
  void textThatIsNotUtf8IsInvalidArgumentNamingTheField() throws Exception {
    try (ServingFixture fixture = ServingFixture.start(dir, 10, ServingFixture.settings().build(),
        Optional.empty())) {
      // LinkEntityRequest{mention{surface: 0xC3 0x28}}: an invalid two-byte UTF-8 sequence.
      byte[] body = {0x0A, 0x04, 0x0A, 0x02, (byte) 0xC3, 0x28};
      MethodDescriptor<byte[], byte[]> raw = RawMethods.of(EntityLinkerGrpc.getLinkEntityMethod());
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(fixture.channel(), raw,
              CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), body));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      BadRequest bad = StatusProto.fromThrowable(e).getDetails(0).unpack(BadRequest.class);
      assertEquals("mention.surface", bad.getFieldViolations(0).getField());
      assertEquals("is not valid UTF-8", bad.getFieldViolations(0).getDescription());
      // The server lives on.
      assertTrue(fixture.stub().linkEntity(request("Smith")).getResult().getEntitiesCount() > 0);
    }
  }

  @Test
  void aConfiguredBearerTokenIsRequired() throws Exception {
    try (ServingFixture fixture = ServingFixture.start(dir, 10,
        ServingFixture.settings().bearerToken("s3cret-token").build(), Optional.empty())) {
      StatusRuntimeException none = assertThrows(StatusRuntimeException.class,
          () -> fixture.stub().linkEntity(request("Smith")));
      assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
      assertTrue(!none.getStatus().getDescription().contains("s3cret"));
      StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
          () -> withToken(fixture.stub(), "wrong").linkEntity(request("Smith")));
      assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
      assertTrue(withToken(fixture.stub(), "s3cret-token").linkEntity(request("Smith"))
          .getResult().getEntitiesCount() > 0);
    }
  }

  @Test
  void newBuildsAndANewModelAreServedWithoutARestartOrAFailedRequest() throws Exception {
    try (ServingFixture fixture = ServingFixture.start(dir, 20,
        ServingFixture.settings().build(), Optional.empty())) {
      String firstModel = fixture.stub().getInfo(GetInfoRequest.getDefaultInstance())
          .getModelVersion();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        Thread client = new Thread(() -> {
          while (running.get()) {
            try {
              fixture.stub().linkEntity(request("Smith"));
              answered.incrementAndGet();
            } catch (RuntimeException e) {
              failures.add(e);
            }
          }
        });
        client.start();
        clients.add(client);
      }
      List<EntityRecord> renamed = new ArrayList<>(fixture.entities());
      EntityRecord first = renamed.get(0);
      renamed.set(0, new EntityRecord(first.qid(), "Renamed in build two", List.of(),
          first.description(), ""));
      ServingFixture.publish(fixture.store(), fixture.modelDir(), "b2", renamed);
      awaitBuild(fixture, "b2");
      // A build written by another model: its directory is put beside the first, then the build
      // is published.
      Path otherModel = ServingFixture.model(dir, 8);
      ServingFixture.publish(fixture.store(), otherModel, "b3", renamed.subList(0, 15));
      awaitBuild(fixture, "b3");
      int before = answered.get();
      Thread.sleep(500);
      running.set(false);
      for (Thread client : clients) {
        client.join(30_000);
      }
      assertTrue(failures.isEmpty(), "failed requests during the swaps: " + failures);
      assertTrue(answered.get() > before, "requests were answered after the swaps too");
      var info = fixture.stub().getInfo(GetInfoRequest.getDefaultInstance());
      assertEquals(15, info.getIndexSize());
      assertNotEquals(firstModel, info.getModelVersion(), "the model was swapped with the build");
    }
  }

  @Test
  void anIndexWrittenByAnotherModelIsNotServed() throws Exception {
    Path builtBy = ServingFixture.model(dir.resolve("built"), 7);
    Path served = ServingFixture.model(dir.resolve("served"), 8);
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(dir.resolve("index"))) {
      ServingFixture.publish(store, builtBy, "b1", ServingFixture.wikiMelEntities(5));
      BindingLoader loader = new BindingLoader(new ModelRepository(served),
          SessionSettings.defaults(), CacheConfig.defaults(), DirectMentionEncoder::new,
          Optional.empty(), OptionalDouble.empty(), "embedded");
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> LinkingServer.start(ServingFixture.settings().build(), store, loader,
              new ServingMetrics(), Duration.ofSeconds(1), "none"));
      assertTrue(e.getMessage().contains("no model with version"), e.getMessage());
      assertTrue(e.getMessage().contains(served.toString()), e.getMessage());
    }
  }

  @Test
  void shutdownLetsTheCallsInFlightFinish() throws Exception {
    // After a model call of several mentions, the first mention of the next waits a second for
    // others, so the calls are still in flight (their mentions in the batch) when the shutdown
    // begins.
    ServingFixture fixture = ServingFixture.start(dir, 10, ServingFixture.settings()
        .shutdownGrace(Duration.ofSeconds(30)).build(), Optional.empty(), Duration.ofSeconds(1));
    fixture.stub().linkEntities(LinkEntitiesRequest.newBuilder()
        .addMentions(request("Smith").getMention()).addMentions(request("Jones").getMention())
        .build());
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread call = new Thread(() -> {
        try {
          fixture.stub().linkEntity(request("Smith"));
          ok.incrementAndGet();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      });
      call.start();
      calls.add(call);
    }
    Thread.sleep(300);
    long closing = System.nanoTime();
    fixture.server().close();
    double drained = (System.nanoTime() - closing) / 1e9;
    for (Thread call : calls) {
      call.join(30_000);
    }
    fixture.close();
    assertTrue(failures.isEmpty(), "calls in flight must finish, not fail: " + failures);
    assertEquals(8, ok.get());
    assertTrue(drained > 0.3, "close waited for the calls in flight (" + drained + " s)");
  }

  private static LinkEntityRequest request(String surface) {
    return LinkEntityRequest.newBuilder().setMention(Mention.newBuilder().setSurface(surface)
        .setSentence(surface + " is mentioned here.")).build();
  }

  private static EntityLinkerGrpc.EntityLinkerBlockingStub withToken(
      EntityLinkerGrpc.EntityLinkerBlockingStub stub, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void awaitBuild(ServingFixture fixture, String build) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!fixture.stub().getInfo(GetInfoRequest.getDefaultInstance()).getIndexBuildId()
        .equals(build)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("build " + build + " was not served within 60 s");
      }
      Thread.sleep(100);
    }
  }
}
