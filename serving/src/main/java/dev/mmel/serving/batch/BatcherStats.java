package dev.mmel.serving.batch;

/**
 * Counts since a {@link DynamicBatcher} started, for metrics.
 *
 * @param submitted items accepted into the queue
 * @param rejected submissions refused because the queue was full
 * @param expired items whose deadline passed before their batch started (never computed)
 * @param cancelled items whose future was cancelled before their batch started (never computed)
 * @param batches calls of the batch function
 * @param batchedItems items passed to those calls; {@code batchedItems / batches} is the mean
 *     batch size
 * @param failedBatches calls that threw or answered the wrong number of results
 * @param queueDepth items waiting now
 */
public record BatcherStats(long submitted, long rejected, long expired, long cancelled,
    long batches, long batchedItems, long failedBatches, int queueDepth) {}
