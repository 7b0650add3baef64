package dev.mmel.retriever;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One index of entity embeddings (one build): ANN search over retrieval vectors by inner
 * product, rerank features and records by QID, and name/alias look-up for DME. Writes are
 * idempotent by QID. Implementations are safe for concurrent readers; writers are serialised by
 * the caller (one sink per build). Every method fails with a message naming what was wrong.
 */
public interface EntityIndex extends AutoCloseable {

  /** The most results one search or look-up returns. */
  int MAX_RESULTS = 10_000;

  /** Rejects a result count (search k, look-up limit) outside 1..{@link #MAX_RESULTS}. */
  static void checkResultCount(String field, int value) {
    if (value < 1 || value > MAX_RESULTS) {
      throw new IllegalArgumentException(field + " must be within 1.." + MAX_RESULTS + ", got "
          + value);
    }
  }

  IndexSchema schema();

  /** The model version whose encoder wrote this index; serving refuses a mismatch. */
  String modelVersion();

  /** Inserts or replaces these entities by QID (the last one wins within a batch). */
  void upsert(List<EncodedEntity> entities);

  /** Removes these QIDs; unknown ones are ignored. */
  void delete(Collection<String> qids);

  /** Makes every write so far visible to readers and durable. */
  void flush();

  /** The k entities with the largest inner product with {@code query}, best first. */
  List<SearchHit> search(float[] query, int k, EntityFilter filter);

  /**
   * Everything the index holds for those QIDs (record, retrieval vector, rerank features) in
   * one read: what reranking a mention's candidates needs.
   */
  Map<String, EncodedEntity> entities(Collection<String> qids);

  /** Rerank features of those QIDs the index holds. */
  Map<String, RerankFeatures> rerankFeatures(Collection<String> qids);

  /** Records of those QIDs the index holds. */
  Map<String, EntityRecord> records(Collection<String> qids);

  /** Entities whose name or an alias has the same {@link NameKeys} key as {@code surface}. */
  List<EntityRecord> lookupByName(String surface, int limit);

  /**
   * Entities one of whose name parts ({@link NameKeys#partsOf(String, List)}) is the key of
   * {@code surface}: "powers" finds Stefanie Powers. A build written before parts were indexed
   * finds none: build it again.
   */
  List<EntityRecord> lookupByNamePart(String surface, int limit);

  long count();

  @Override
  void close();
}
