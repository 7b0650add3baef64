package dev.mmel.serving.state;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.SearchHit;
import dev.mmel.serving.link.IndexUnavailableException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The store as the server reads it: every read a request or a health probe makes (the live
 * build id, search, look-ups by QID and name, count) answers within {@code timeout} or fails
 * with {@link IndexUnavailableException}. A store server that is down or hangs therefore costs a
 * caller at most the timeout, whatever the store's own deadlines and retries are (the Milvus
 * SDK waits for a connection until its RPC deadline, 60 s by default, and is retried).
 *
 * <p>Reads run on a bounded pool of call threads and the caller waits for them; a read that
 * times out is left to finish on its own (interrupting one could break an embedded index's
 * files), and while every call thread waits on the store, further reads fail at once. Opening
 * the live build (which may load a collection for minutes) and the writes serving never makes
 * pass through unbounded. {@link #close} stops the call threads, not the store underneath,
 * which its owner closes.
 */
public final class BoundedIndexStore implements EntityIndexStore {
  private final EntityIndexStore store;
  private final Duration timeout;
  private final ThreadPoolExecutor calls;

  /** @param maxCalls index reads that may be under way (or abandoned, still waiting) at once */
  public BoundedIndexStore(EntityIndexStore store, Duration timeout, int maxCalls) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the index timeout must be > 0, got " + timeout);
    }
    this.store = store;
    this.timeout = timeout;
    AtomicInteger threads = new AtomicInteger();
    this.calls = new ThreadPoolExecutor(0, maxCalls, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread thread = new Thread(r, "index-call-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  /** Runs one read within the timeout; the store's own failures are thrown as they are. */
  private <T> T bounded(String what, Supplier<T> read) {
    Future<T> result;
    try {
      result = calls.submit(read::get);
    } catch (RejectedExecutionException e) {
      throw new IndexUnavailableException("all " + calls.getMaximumPoolSize() + " index calls "
          + "still wait for earlier answers (" + what + " refused)", e);
    }
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      result.cancel(false);
      throw new IndexUnavailableException("no answer to " + what + " within "
          + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IndexUnavailableException(what + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      result.cancel(false);
      Thread.currentThread().interrupt();
      throw new IndexUnavailableException("interrupted while waiting for " + what, e);
    }
  }

  @Override
  public Optional<String> liveBuildId() {
    return bounded("the question which build is live", store::liveBuildId);
  }

  @Override
  public EntityIndex openLive() {
    return new BoundedIndex(store.openLive());
  }

  @Override
  public EntityIndex openBuild(String buildId, String modelVersion, IndexSchema schema) {
    return store.openBuild(buildId, modelVersion, schema);
  }

  @Override
  public void publish(String buildId, PublishPolicy policy) {
    store.publish(buildId, policy);
  }

  @Override
  public String rollback() {
    return store.rollback();
  }

  @Override
  public void dropBuild(String buildId) {
    store.dropBuild(buildId);
  }

  @Override
  public Optional<String> previousBuildId() {
    return store.previousBuildId();
  }

  @Override
  public List<BuildInfo> builds() {
    return store.builds();
  }

  @Override
  public List<BuildInfo> gc(Duration minAge) {
    return store.gc(minAge);
  }

  /** Stops the call threads; the store underneath stays open. */
  @Override
  public void close() {
    calls.shutdown();
  }

  @Override
  public String toString() {
    return store + " (reads bounded to " + timeout.toMillis() + " ms)";
  }

  /** The live build with its reads bounded. */
  private final class BoundedIndex implements EntityIndex {
    private final EntityIndex index;

    BoundedIndex(EntityIndex index) {
      this.index = index;
    }

    @Override
    public IndexSchema schema() {
      return index.schema();
    }

    @Override
    public String modelVersion() {
      return index.modelVersion();
    }

    @Override
    public List<SearchHit> search(float[] query, int k, EntityFilter filter) {
      return bounded("a search", () -> index.search(query, k, filter));
    }

    @Override
    public Map<String, EncodedEntity> entities(Collection<String> qids) {
      return bounded("a read of " + qids.size() + " entities", () -> index.entities(qids));
    }

    @Override
    public Map<String, RerankFeatures> rerankFeatures(Collection<String> qids) {
      return bounded("a read of rerank features", () -> index.rerankFeatures(qids));
    }

    @Override
    public Map<String, EntityRecord> records(Collection<String> qids) {
      return bounded("a read of records", () -> index.records(qids));
    }

    @Override
    public List<EntityRecord> lookupByName(String surface, int limit) {
      return bounded("a name look-up", () -> index.lookupByName(surface, limit));
    }

    @Override
    public List<EntityRecord> lookupByNamePart(String surface, int limit) {
      return bounded("a name part look-up", () -> index.lookupByNamePart(surface, limit));
    }

    @Override
    public long count() {
      return bounded("a count", index::count);
    }

    @Override
    public void upsert(List<EncodedEntity> entities) {
      index.upsert(entities);
    }

    @Override
    public void delete(Collection<String> qids) {
      index.delete(qids);
    }

    @Override
    public void flush() {
      index.flush();
    }

    @Override
    public void close() {
      index.close();
    }

    @Override
    public String toString() {
      return index.toString();
    }
  }
}
