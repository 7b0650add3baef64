package dev.mmel.serving.batch;

import java.time.Duration;

/**
 * How a {@link DynamicBatcher} forms batches: at most {@code maxBatchSize} items, gathered for
 * at most {@code maxWait} after the first when the previous batch had more than one item (a
 * lone caller is never held); at most {@code queueCapacity} items waiting; and
 * {@code workers} batches running at once. Built and validated once by {@link Builder#build()}.
 */
public final class BatcherSettings {
  private final String name;
  private final int maxBatchSize;
  private final Duration maxWait;
  private final int queueCapacity;
  private final int workers;

  private BatcherSettings(Builder b) {
    this.name = b.name;
    this.maxBatchSize = b.maxBatchSize;
    this.maxWait = b.maxWait;
    this.queueCapacity = b.queueCapacity;
    this.workers = b.workers;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Names the worker threads and appears in errors and logs. */
  public String name() {
    return name;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public Duration maxWait() {
    return maxWait;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  public int workers() {
    return workers;
  }

  @Override
  public String toString() {
    return "BatcherSettings[name=" + name + ", max_batch_size=" + maxBatchSize + ", max_wait="
        + maxWait + ", queue_capacity=" + queueCapacity + ", workers=" + workers + "]";
  }

  /** Defaults: batches of up to 32, 2 ms of waiting, 1,024 queued items, one worker. */
  public static final class Builder {
    private static final int MAX_BATCH_SIZE = 65_536;
    // Longer than this is latency no serving request should pay for a fuller batch.
    private static final Duration MAX_WAIT = Duration.ofSeconds(1);
    private static final int MAX_QUEUE_CAPACITY = 1_000_000;
    private static final int MAX_WORKERS = 256;

    private final String name;
    private int maxBatchSize = 32;
    private Duration maxWait = Duration.ofMillis(2);
    private int queueCapacity = 1_024;
    private int workers = 1;

    private Builder(String name) {
      this.name = name;
    }

    public Builder maxBatchSize(int maxBatchSize) {
      this.maxBatchSize = maxBatchSize;
      return this;
    }

    /** 0: run whatever is queued at once, never waiting for more. */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = maxWait;
      return this;
    }

    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
      return this;
    }

    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    public BatcherSettings build() {
      if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
        throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '.', '_' or "
            + "'-' (it names threads), got '" + name + "'");
      }
      range("max_batch_size", maxBatchSize, 1, MAX_BATCH_SIZE);
      range("queue_capacity", queueCapacity, 1, MAX_QUEUE_CAPACITY);
      range("workers", workers, 1, MAX_WORKERS);
      if (maxWait == null || maxWait.isNegative() || maxWait.compareTo(MAX_WAIT) > 0) {
        throw new IllegalArgumentException("max_wait must be in [0, " + MAX_WAIT + "], got "
            + maxWait);
      }
      return new BatcherSettings(this);
    }

    private static void range(String field, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got "
            + value);
      }
    }
  }
}
