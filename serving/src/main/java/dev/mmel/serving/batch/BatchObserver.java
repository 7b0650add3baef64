package dev.mmel.serving.batch;

import java.time.Duration;

/**
 * Told of every batch a {@link DynamicBatcher} runs, on the worker that ran it: the place to
 * feed histograms of batch sizes and latencies. It must be quick and must not throw (what it
 * throws is logged and dropped).
 */
@FunctionalInterface
public interface BatchObserver {
  BatchObserver NONE = (size, elapsed, succeeded) -> { };

  /**
   * @param size items computed (those dropped as cancelled or expired are not counted)
   * @param elapsed time the batch function took
   */
  void batchCompleted(int size, Duration elapsed, boolean succeeded);
}
