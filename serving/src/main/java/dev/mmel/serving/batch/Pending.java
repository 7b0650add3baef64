package dev.mmel.serving.batch;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** One submitted item waiting for its batch; {@code deadline} is null when it has none. */
record Pending<I, O>(I item, CompletableFuture<O> future, Instant deadline) {

  boolean expiredAt(Instant now) {
    return deadline != null && !now.isBefore(deadline);
  }
}
