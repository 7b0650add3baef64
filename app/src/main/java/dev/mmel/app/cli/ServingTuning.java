package dev.mmel.app.cli;

import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.serving.batch.BatcherSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How a server in this process computes, batches, caches and handles calls: the options `mmel
 * serve` and `mmel bench serving` share, one meaning in both.
 */
public final class ServingTuning {
  @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
      description = "TensorFlow device: auto (a GPU when the gpu build and one exist), cpu or "
          + "gpu:N (default ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--max-batch", paramLabel = "N", defaultValue = "32",
      description = "Most mentions encoded in one model call (default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--max-wait", paramLabel = "D", defaultValue = "2ms",
      description = "How long the first mention of a batch waits for others, when the "
          + "previous batch had more than one (default ${DEFAULT-VALUE}).")
  Duration maxWait;

  @Option(names = "--queue", paramLabel = "N", defaultValue = "1024",
      description = "Mentions that may wait for the model; beyond, calls get "
          + "RESOURCE_EXHAUSTED at once (default ${DEFAULT-VALUE}).")
  int queue;

  @Option(names = "--handler-threads", paramLabel = "N", defaultValue = "64",
      description = "Threads handling calls (default ${DEFAULT-VALUE}).")
  int handlerThreads;

  @Option(names = "--cache-mb", paramLabel = "MB", defaultValue = "256",
      description = "Candidates' encodings cached, in MB (default ${DEFAULT-VALUE}).")
  long cacheMb;

  @Option(names = "--cache-ttl", paramLabel = "D", defaultValue = "5m",
      description = "How long cached index reads live: the staleness bound after a refresh "
          + "job's changes (default ${DEFAULT-VALUE}).")
  Duration cacheTtl;

  @Option(names = "--index-timeout", paramLabel = "D", defaultValue = "2s",
      description = "How long one read of the entity index (a search, a look-up) may take; "
          + "past it the mention fails UNAVAILABLE, and a store that does not answer the watcher "
          + "within it makes the server NOT_SERVING until it does (default ${DEFAULT-VALUE}).")
  Duration indexTimeout;

  public String device() {
    return device;
  }

  public int maxBatch() {
    return maxBatch;
  }

  public Duration maxWait() {
    return maxWait;
  }

  public int queue() {
    return queue;
  }

  public int handlerThreads() {
    return handlerThreads;
  }

  public Duration indexTimeout() {
    return indexTimeout;
  }

  public long cacheMb() {
    return cacheMb;
  }

  /** The model's TensorFlow session: {@code threads} intra-op threads on the device. */
  public SessionSettings session(int threads) {
    return new SessionSettings(threads, 0, device);
  }

  /** The mention batcher's settings, named "mentions". */
  public BatcherSettings batching() {
    return BatcherSettings.builder("mentions").maxBatchSize(maxBatch).maxWait(maxWait)
        .queueCapacity(queue).build();
  }

  /** The index cache: --cache-mb of encodings, 100,000 records and name keys, --cache-ttl. */
  public CacheConfig cache() {
    return new CacheConfig(cacheMb << 20, 100_000, 100_000, cacheTtl);
  }
}
