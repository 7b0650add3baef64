package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.milvus.shaded.io.grpc.Status;
import io.milvus.shaded.io.grpc.StatusRuntimeException;
import io.milvus.v2.exception.ErrorCode;
import io.milvus.v2.exception.MilvusClientException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries and messages, with failures shaped as SDK 2.6 raises them (one SDK attempt each). */
class MilvusCallsTest {
  private static final MilvusCalls CALLS = new MilvusCalls(
      MilvusConfig.defaults("http://127.0.0.1:19530").withRetries(3, Duration.ofMillis(1)));

  private static RuntimeException rpc(Status status) {
    return new MilvusClientException(ErrorCode.RPC_ERROR, new StatusRuntimeException(status));
  }

  @Test
  void unreachableAndTimedOutAreRetriedUntilTheyWork() {
    AtomicInteger attempts = new AtomicInteger();
    String answer = CALLS.call("search", "collection c", () -> {
      switch (attempts.incrementAndGet()) {
        case 1:
          throw rpc(Status.UNAVAILABLE);
        case 2:
          throw rpc(Status.DEADLINE_EXCEEDED);
        default:
          return "hits";
      }
    });
    assertEquals("hits", answer);
    assertEquals(3, attempts.get());
  }

  @Test
  void retriesAreBoundedAndTheMessageSaysWhatToCheck() {
    AtomicInteger attempts = new AtomicInteger();
    MilvusIndexException e = assertThrows(MilvusIndexException.class,
        () -> CALLS.run("flush", "collection mmel_b1", () -> {
          attempts.incrementAndGet();
          throw rpc(Status.UNAVAILABLE.withDescription("io exception"));
        }));
    assertEquals(4, attempts.get(), "one attempt and max_retries = 3 retries");
    assertTrue(e.getMessage().startsWith(
        "Milvus flush on collection mmel_b1 failed after 4 attempts: "), e.getMessage());
    assertTrue(e.getMessage().contains("io exception"), e.getMessage());
    assertTrue(e.getMessage().contains("is Milvus running and reachable at "
        + "http://127.0.0.1:19530? (infra/milvus.sh status"), e.getMessage());
  }

  @Test
  void refusedRequestsFailAtOnce() {
    AtomicInteger attempts = new AtomicInteger();
    MilvusIndexException e = assertThrows(MilvusIndexException.class,
        () -> CALLS.run("upsert", "collection c", () -> {
          attempts.incrementAndGet();
          throw new MilvusClientException(ErrorCode.SERVER_ERROR,
              "the length (900) of 0th string exceeds max length (512)", 1100, 5);
        }));
    assertEquals(1, attempts.get());
    assertEquals("Milvus upsert on collection c failed: the length (900) of 0th string exceeds "
        + "max length (512); the server refused the request, see its reason above",
        e.getMessage());
    assertFalse(MilvusCalls.isTransient(rpc(Status.INVALID_ARGUMENT)));
    assertFalse(MilvusCalls.isTransient(new IllegalArgumentException("bad")));
    assertEquals(1, attemptsOf(rpc(Status.INVALID_ARGUMENT)));
  }

  @Test
  void aMissingCollectionSaysWhatDropsBuilds() {
    MilvusIndexException e = assertThrows(MilvusIndexException.class,
        () -> CALLS.run("search", "collection mmel_old", () -> {
          throw new MilvusClientException(ErrorCode.SERVER_ERROR, "collection not found",
              MilvusCalls.COLLECTION_NOT_FOUND, 4);
        }));
    assertTrue(e.getMessage().contains("the collection is gone (dropBuild and gc drop builds)"),
        e.getMessage());
  }

  @Test
  void aReleasedCollectionSaysToOpenTheLiveIndexAgain() {
    MilvusIndexException e = assertThrows(MilvusIndexException.class,
        () -> CALLS.run("search", "collection mmel_old", () -> {
          throw new MilvusClientException(ErrorCode.SERVER_ERROR, "collection not loaded",
              MilvusCalls.COLLECTION_NOT_LOADED, 4);
        }));
    assertTrue(e.getMessage().contains("a publish or rollback released this build")
        && e.getMessage().endsWith("Open the live index again"), e.getMessage());
    assertEquals(1, attemptsOf(new MilvusClientException(ErrorCode.SERVER_ERROR, "not loaded",
        MilvusCalls.COLLECTION_NOT_LOADED, 4)), "not retried");
  }

  private static int attemptsOf(RuntimeException failure) {
    AtomicInteger attempts = new AtomicInteger();
    assertThrows(MilvusIndexException.class, () -> CALLS.run("query", "collection c", () -> {
      attempts.incrementAndGet();
      throw failure;
    }));
    return attempts.get();
  }
}
