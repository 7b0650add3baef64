package dev.mmel.serving.batch;

import java.time.Instant;
import java.util.concurrent.TimeoutException;

/**
 * Completes the future of an item whose deadline passed before its batch started. A
 * {@link TimeoutException}, so callers treat it like any other timeout of theirs.
 */
public final class DeadlineExpiredException extends TimeoutException {
  public DeadlineExpiredException(String batcher, Instant deadline) {
    super("deadline " + deadline + " passed before batcher '" + batcher
        + "' could start the item");
  }
}
