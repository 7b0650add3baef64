package dev.mmel.serving.link;

import dev.mmel.core.MentionEncodings;
import dev.mmel.core.PreparedInput;
import dev.mmel.serving.batch.OverloadedException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Encodes prepared mentions with the model: directly, or gathered with other callers' mentions
 * into one model call. Safe to call from many threads.
 */
public interface MentionEncoder extends AutoCloseable {

  /** One mention's encodings, and how many mentions shared the model call. */
  record Encoded(MentionEncodings row, int batchSize) {}

  /**
   * The mention's encodings when computed. Fails with {@link OverloadedException} at once when
   * too many mentions wait already, and with a {@link java.util.concurrent.TimeoutException}
   * when the deadline passes before its model call starts (it is then never computed).
   */
  CompletableFuture<Encoded> encode(PreparedInput mention, Instant deadline);

  /**
   * Runs {@code submissions}, calls of {@link #encode}, so that a batching encoder starts no
   * batch with only some of them (when they fit in one).
   */
  default void together(Runnable submissions) {
    submissions.run();
  }

  @Override
  void close();
}
