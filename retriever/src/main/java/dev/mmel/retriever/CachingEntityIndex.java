package dev.mmel.retriever;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Caffeine caches in front of the look-ups serving repeats: encoded entities (retrieval vector
 * and rerank features, what rerank reads) and records by QID, and name/alias look-ups by
 * normalised key. Search is not cached (queries rarely repeat
 * exactly). Writes through this wrapper invalidate what they touch; writes by other processes
 * become visible within the configured time-to-live.
 */
public final class CachingEntityIndex implements EntityIndex {
  private final EntityIndex delegate;
  private final Cache<String, EncodedEntity> entities;
  private final Cache<String, EntityRecord> records;
  private final Cache<String, List<EntityRecord>> names;

  public CachingEntityIndex(EntityIndex delegate, CacheConfig config) {
    this.delegate = delegate;
    // Maintenance (eviction) runs on the calling thread: bounds hold at once, and no work lands
    // on the common fork-join pool that request threads share.
    this.entities = Caffeine.newBuilder()
        .executor(Runnable::run)
        .maximumWeight(config.maxEntityBytes())
        .weigher((String qid, EncodedEntity e) -> 4 * (e.retrieval().length
            + e.rerank().textC().length + e.rerank().textQuery().length
            + e.rerank().imageC().length + e.rerank().imageQuery().length))
        .expireAfterWrite(config.ttl())
        .recordStats()
        .build();
    this.records = Caffeine.newBuilder().executor(Runnable::run).maximumSize(config.maxRecords())
        .expireAfterWrite(config.ttl()).recordStats().build();
    this.names = Caffeine.newBuilder().executor(Runnable::run).maximumSize(config.maxNameKeys())
        .expireAfterWrite(config.ttl()).recordStats().build();
  }

  /** Hit counts and rates of the three caches, for metrics. */
  public record Stats(CacheStats entities, CacheStats records, CacheStats names) {}

  public Stats stats() {
    return new Stats(entities.stats(), records.stats(), names.stats());
  }

  @Override
  public Map<String, EncodedEntity> entities(Collection<String> qids) {
    return cachedByQid(entities, qids, delegate::entities);
  }

  @Override
  public Map<String, RerankFeatures> rerankFeatures(Collection<String> qids) {
    Map<String, RerankFeatures> features = new LinkedHashMap<>();
    entities(qids).forEach((qid, entity) -> features.put(qid, entity.rerank()));
    return features;
  }

  @Override
  public Map<String, EntityRecord> records(Collection<String> qids) {
    return cachedByQid(records, qids, delegate::records);
  }

  @Override
  public List<EntityRecord> lookupByName(String surface, int limit) {
    String key = NameKeys.of(surface) + "\u0000" + limit;
    return names.get(key, k -> List.copyOf(delegate.lookupByName(surface, limit)));
  }

  @Override
  public List<EntityRecord> lookupByNamePart(String surface, int limit) {
    String key = "part\u0000" + NameKeys.of(surface) + "\u0000" + limit;
    return names.get(key, k -> List.copyOf(delegate.lookupByNamePart(surface, limit)));
  }

  private static <V> Map<String, V> cachedByQid(Cache<String, V> cache, Collection<String> qids,
      java.util.function.Function<Collection<String>, Map<String, V>> load) {
    Map<String, V> found = new LinkedHashMap<>(cache.getAllPresent(qids));
    List<String> missing = qids.stream().filter(q -> !found.containsKey(q)).distinct().toList();
    if (!missing.isEmpty()) {
      Map<String, V> loaded = load.apply(missing);
      cache.putAll(loaded);
      found.putAll(loaded);
    }
    return found;
  }

  @Override
  public void upsert(List<EncodedEntity> entities) {
    delegate.upsert(entities);
    invalidate(entities.stream().map(e -> e.record().qid()).toList());
  }

  @Override
  public void delete(Collection<String> qids) {
    delegate.delete(qids);
    invalidate(qids);
  }

  private void invalidate(Collection<String> qids) {
    entities.invalidateAll(qids);
    records.invalidateAll(qids);
    // A changed name or alias can affect any key; name writes are rare in serving.
    names.invalidateAll();
  }

  @Override
  public IndexSchema schema() {
    return delegate.schema();
  }

  @Override
  public String modelVersion() {
    return delegate.modelVersion();
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public List<SearchHit> search(float[] query, int k, EntityFilter filter) {
    return delegate.search(query, k, filter);
  }

  @Override
  public long count() {
    return delegate.count();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
