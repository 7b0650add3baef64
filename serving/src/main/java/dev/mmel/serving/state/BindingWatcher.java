package dev.mmel.serving.state;

import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.link.Binding;
import dev.mmel.serving.link.BindingSource;
import dev.mmel.serving.link.LinkOutcome;
import dev.mmel.serving.link.WarmUp;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the served binding current and tells whether it can be served. Every poll it asks the
 * store which build is live and searches the served build once (probes that the store answers,
 * bounded in time when the store is a {@link BoundedIndexStore}): a new build (and its model, if
 * the build was written by another one) is loaded and swapped in without a restart; a store that
 * stops answering makes the server not serving until it answers again, without a restart
 * either. A build that cannot be loaded leaves the current binding in service.
 */
public final class BindingWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BindingWatcher.class);

  private final EntityIndexStore store;
  private final BindingLoader loader;
  private final LiveBinding live;
  private final BiConsumer<Boolean, String> onServingChange;
  private final ScheduledExecutorService poller;
  private Boolean serving;
  private String lastFailure;

  /**
   * @param onServingChange told (serving, reason) at the first poll and whenever it changes
   */
  public BindingWatcher(EntityIndexStore store, BindingLoader loader, LiveBinding live,
      BiConsumer<Boolean, String> onServingChange) {
    this.store = store;
    this.loader = loader;
    this.live = live;
    this.onServingChange = onServingChange;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "binding-watcher");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Loads the live binding now (failing if it cannot), then polls every {@code interval}. */
  public void start(Duration interval) {
    poll();
    poller.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** One look at the store; runs on the poller thread (and once on start). */
  synchronized void poll() {
    String liveBuild;
    try {
      liveBuild = store.liveBuildId().orElse(null);
      probeServed(liveBuild);
    } catch (RuntimeException e) {
      report(false, "the entity index does not answer: " + e.getMessage());
      return;
    }
    Binding current = live.peek();
    if (liveBuild == null) {
      report(current != null, current != null ? "serving build " + current.buildId()
          : "no index build is published yet; run `mmel index build` first");
      return;
    }
    if (current != null && current.buildId().equals(liveBuild)) {
      report(true, "serving build " + liveBuild);
      return;
    }
    try {
      Binding next = loader.load(store);
      LinkOutcome warm;
      try {
        warm = WarmUp.run(next);
      } catch (InterruptedException e) {
        next.close();
        Thread.currentThread().interrupt();
        return;
      }
      if (warm.error() != null) {
        next.close();
        throw new IllegalStateException("a test link failed: " + warm.error().getMessage(),
            warm.error());
      }
      live.swap(next);
      LOG.info("serving build {} with model {}{}", next.buildId(), next.model().version(),
          current == null ? "" : " (was build " + current.buildId() + ")");
      lastFailure = null;
      report(true, "serving build " + next.buildId());
    } catch (java.io.IOException | RuntimeException e) {
      String reason = "cannot serve build " + liveBuild + ": " + e.getMessage();
      if (!Objects.equals(reason, lastFailure)) {
        LOG.error(reason);
        lastFailure = reason;
      }
      report(current != null, current != null
          ? "serving build " + current.buildId() + "; " + reason : reason);
    }
  }

  /**
   * Searches the served build when it is still the live one: a store can name its live build
   * while it cannot search it (a Milvus server that is back up but still loading the collection),
   * and requests need the search.
   */
  private void probeServed(String liveBuild) {
    try (BindingSource.Lease lease = live.lease()) {
      if (lease == null || !lease.binding().buildId().equals(liveBuild)) {
        return;
      }
      EntityIndex index = lease.binding().index();
      float[] query = new float[index.schema().retrievalDim()];
      Arrays.fill(query, 1f);
      index.search(query, 1, EntityFilter.none());
    }
  }

  private void report(boolean nowServing, String reason) {
    if (nowServing) {
      live.serving();
    } else {
      live.notServing(reason);
    }
    if (serving == null || serving != nowServing) {
      serving = nowServing;
      onServingChange.accept(nowServing, reason);
    }
  }

  public synchronized boolean serving() {
    return Boolean.TRUE.equals(serving);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
