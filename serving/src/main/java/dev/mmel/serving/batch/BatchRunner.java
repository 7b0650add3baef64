package dev.mmel.serving.batch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one gathered batch: drops the items nobody waits for any more (cancelled, or past their
 * deadline), calls the batch function once on the rest, and completes exactly their futures,
 * with a result each or, when the call fails, with its failure.
 */
final class BatchRunner<I, O> {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

  private final String name;
  private final BatchFunction<I, O> function;
  private final BatchObserver observer;
  private final BatcherCounters counters;

  BatchRunner(String name, BatchFunction<I, O> function, BatchObserver observer,
      BatcherCounters counters) {
    this.name = name;
    this.function = function;
    this.observer = observer;
    this.counters = counters;
  }

  void run(List<Pending<I, O>> gathered) {
    List<Pending<I, O>> live = stillWanted(gathered);
    if (live.isEmpty()) {
      return;
    }
    List<I> items = new ArrayList<>(live.size());
    live.forEach(pending -> items.add(pending.item()));
    long start = System.nanoTime();
    Throwable failure = null;
    List<O> results = null;
    try {
      results = function.apply(List.copyOf(items));
      if (results == null || results.size() != items.size()) {
        failure = new IllegalStateException("batch function of '" + name + "' answered "
            + (results == null ? "null" : results.size() + " results") + " for " + items.size()
            + " items");
      }
    } catch (Throwable t) {
      // Whatever the function throws belongs to this batch's callers; the worker lives on to
      // serve the next batch.
      failure = t;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    // Counted and reported before any caller sees a result, so that stats read after a result
    // already include its batch.
    counters.batches.increment();
    counters.batchedItems.add(live.size());
    if (failure != null) {
      counters.failedBatches.increment();
      LOG.debug("batch of {} in '{}' failed", live.size(), name, failure);
    }
    tell(live.size(), elapsed, failure == null);
    for (int i = 0; i < live.size(); i++) {
      if (failure == null) {
        live.get(i).future().complete(results.get(i));
      } else {
        live.get(i).future().completeExceptionally(failure);
      }
    }
  }

  private List<Pending<I, O>> stillWanted(List<Pending<I, O>> gathered) {
    Instant now = Instant.now();
    List<Pending<I, O>> live = new ArrayList<>(gathered.size());
    for (Pending<I, O> pending : gathered) {
      if (pending.future().isCancelled()) {
        counters.cancelled.increment();
      } else if (pending.future().isDone()) {
        // The caller completed it; nothing is left to compute.
        continue;
      } else if (pending.expiredAt(now)) {
        counters.expired.increment();
        pending.future().completeExceptionally(
            new DeadlineExpiredException(name, pending.deadline()));
      } else {
        live.add(pending);
      }
    }
    return live;
  }

  private void tell(int size, Duration elapsed, boolean succeeded) {
    try {
      observer.batchCompleted(size, elapsed, succeeded);
    } catch (RuntimeException e) {
      LOG.warn("batch observer of '{}' failed", name, e);
    }
  }
}
