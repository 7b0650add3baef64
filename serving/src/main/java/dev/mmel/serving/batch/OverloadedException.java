package dev.mmel.serving.batch;

import java.util.concurrent.RejectedExecutionException;

/**
 * A submission refused because the batcher's queue is full: the caller should shed the request
 * (a gRPC server answers RESOURCE_EXHAUSTED) rather than wait.
 */
public final class OverloadedException extends RejectedExecutionException {
  public OverloadedException(String batcher, int capacity) {
    super("batcher '" + batcher + "' is overloaded: its queue holds " + capacity
        + " items (queue_capacity)");
  }
}
