package dev.mmel.retriever.milvus;

import io.milvus.shaded.io.grpc.Status;
import io.milvus.shaded.io.grpc.StatusRuntimeException;
import io.milvus.v2.exception.MilvusClientException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs requests to Milvus with bounded retries and turns failures into messages a person can act
 * on. Only failures that say nothing about the request itself are retried: the server could not
 * be reached (UNAVAILABLE) or did not answer within the RPC deadline (DEADLINE_EXCEEDED). What
 * the server refused (a bad expression, a missing collection, a value over a limit) fails at
 * once, because sending it again cannot succeed. Every request this package sends is idempotent
 * (upserts and deletes by primary key, reads, create-if-missing), so a retry after a lost reply
 * does no harm.
 */
final class MilvusCalls {
  /** Milvus' code for "collection not found" (merr.ErrCollectionNotFound). */
  static final int COLLECTION_NOT_FOUND = 100;
  /** Milvus' code for "collection not loaded" (merr.ErrCollectionNotLoaded). */
  static final int COLLECTION_NOT_LOADED = 101;
  /** Backoff doubles per retry but never pauses longer than this. */
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final String uri;
  private final int maxRetries;
  private final Duration backoff;

  MilvusCalls(MilvusConfig config) {
    this.uri = config.uri();
    this.maxRetries = config.maxRetries();
    this.backoff = config.retryBackoff();
  }

  <T> T call(String operation, String target, Supplier<T> request) {
    for (int attempt = 1; ; attempt++) {
      try {
        return request.get();
      } catch (RuntimeException e) {
        boolean retriable = isTransient(e);
        if (!retriable || attempt > maxRetries) {
          throw new MilvusIndexException(message(operation, target, e, attempt, retriable), e);
        }
        pause(pauseBefore(attempt), operation, target);
      }
    }
  }

  void run(String operation, String target, Runnable request) {
    call(operation, target, () -> {
      request.run();
      return null;
    });
  }

  /** Sleeps between polls of the server's background work (index builds). */
  void pause(Duration duration, String operation, String target) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MilvusIndexException("interrupted while waiting for Milvus " + operation + " on "
          + target, e);
    }
  }

  static boolean isTransient(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException rpc) {
        Status.Code code = rpc.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
      }
    }
    return false;
  }

  private Duration pauseBefore(int attempt) {
    Duration pause = backoff.multipliedBy(1L << Math.min(attempt - 1, 20));
    return pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
  }

  private String message(String operation, String target, RuntimeException e, int attempts,
      boolean retriable) {
    String head = "Milvus " + operation + " on " + target + " failed"
        + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + e.getMessage();
    if (retriable) {
      return head + "; is Milvus running and reachable at " + uri
          + "? (infra/milvus.sh status, or raise the timeouts in MilvusConfig if it is busy)";
    }
    if (e instanceof MilvusClientException server
        && server.getServerErrCode() == COLLECTION_NOT_FOUND) {
      return head + "; the collection is gone (dropBuild and gc drop builds): open the live "
          + "index again, or rebuild with `mmel index build`";
    }
    if (e instanceof MilvusClientException server
        && server.getServerErrCode() == COLLECTION_NOT_LOADED) {
      return head + "; the collection is not loaded: a publish or rollback released this "
          + "build, which is no longer live. Open the live index again";
    }
    return head + "; the server refused the request, see its reason above";
  }
}
