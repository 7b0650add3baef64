package dev.mmel.retriever.embedded;

import java.io.Closeable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;

/**
 * Threads that rebuild an HNSW graph together when a writer merges segments. Lucene builds a
 * merged segment's graph on the merging thread alone unless its vector format is given workers;
 * a merge into one segment of a million 672-d entities spends most of an hour there. The graph
 * parameters stay Lucene's defaults, and the codec keeps the default codec's name, so what
 * these writers write reads like any other build.
 *
 * <p>Owned by one writer.
 */
final class GraphMergeWorkers implements Closeable {
  private final int workers;
  private final ExecutorService executor;

  private GraphMergeWorkers(int workers, ExecutorService executor) {
    this.workers = workers;
    this.executor = executor;
  }

  static GraphMergeWorkers of(int workers, String buildId) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    // With one worker Lucene merges on the merging thread, so no pool is needed.
    ExecutorService executor = workers == 1 ? null
        : Executors.newFixedThreadPool(workers, daemonThreads("mmel-hnsw-merge-" + buildId));
    return new GraphMergeWorkers(workers, executor);
  }

  Codec codec() {
    KnnVectorsFormat format = executor == null ? new Lucene99HnswVectorsFormat()
        : new Lucene99HnswVectorsFormat(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN,
            Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH, workers, executor);
    return new Lucene912Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return format;
      }
    };
  }

  /** Stops the threads; the writer that used them must be closed first. */
  @Override
  public void close() {
    if (executor == null) {
      return;
    }
    executor.shutdownNow();
    try {
      // Idle workers end at once; the wait is only so that none outlives its writer's close.
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger next = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + "-" + next.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
