package dev.mmel.serving.batch;

import java.util.concurrent.atomic.LongAdder;

/** The counts behind {@link BatcherStats}, written by submitters and workers alike. */
final class BatcherCounters {
  final LongAdder submitted = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder expired = new LongAdder();
  final LongAdder cancelled = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder batchedItems = new LongAdder();
  final LongAdder failedBatches = new LongAdder();

  BatcherStats snapshot(int queueDepth) {
    return new BatcherStats(submitted.sum(), rejected.sum(), expired.sum(), cancelled.sum(),
        batches.sum(), batchedItems.sum(), failedBatches.sum(), queueDepth);
  }
}
