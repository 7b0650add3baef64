package dev.mmel.app.bench;

import dev.mmel.retriever.SearchHit;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass of every query through a search function by a number of client threads, as that many
 * concurrent callers would load one shared index: each client takes the next unanswered query
 * until none is left.
 */
final class SearchLoad {

  interface Searcher {
    List<SearchHit> search(float[] query, int k);
  }

  /** Wall time of the pass, each query's latency and hits, in query order. */
  record Pass(double seconds, long[] latencyNanos, List<List<SearchHit>> hits) {

    double queriesPerSecond() {
      return latencyNanos.length / seconds;
    }

    /** The latency that {@code fraction} of the queries did not exceed (nearest rank). */
    double latencyMillis(double fraction) {
      long[] sorted = latencyNanos.clone();
      Arrays.sort(sorted);
      return Percentiles.nearestRank(sorted, fraction) / 1e6;
    }
  }

  private SearchLoad() {}

  static Pass run(Searcher searcher, float[][] queries, int k, int clients) {
    long[] latencies = new long[queries.length];
    SearchHit[][] hits = new SearchHit[queries.length][];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    CountDownLatch ready = new CountDownLatch(clients);
    CountDownLatch go = new CountDownLatch(1);
    Thread[] threads = new Thread[clients];
    for (int c = 0; c < clients; c++) {
      threads[c] = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
          for (int q = next.getAndIncrement(); q < queries.length && failure.get() == null;
              q = next.getAndIncrement()) {
            long t0 = System.nanoTime();
            List<SearchHit> found = searcher.search(queries[q], k);
            latencies[q] = System.nanoTime() - t0;
            hits[q] = found.toArray(SearchHit[]::new);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }, "bench-client-" + c);
      threads[c].start();
    }
    long start;
    try {
      // Timing starts once every client exists, so thread start-up is not counted as search.
      ready.await();
      start = System.nanoTime();
      go.countDown();
      for (Thread thread : threads) {
        thread.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while clients were searching", e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failure.get() != null) {
      throw failure.get();
    }
    return new Pass(seconds, latencies, Arrays.stream(hits).map(List::of).toList());
  }
}
