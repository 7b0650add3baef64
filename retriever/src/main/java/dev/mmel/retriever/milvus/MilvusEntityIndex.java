package dev.mmel.retriever.milvus;

import com.google.gson.JsonObject;
import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.SearchHit;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.UpsertReq;
import io.milvus.v2.service.vector.request.data.BaseVector;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One build collection on a Milvus server. It is bound to the collection, not to the live alias:
 * a reader opened before a publish keeps reading the build whose model version it checked, and
 * fails loudly once that build is dropped, instead of silently answering from another model.
 *
 * <p>Reads use the consistency the store chose: STRONG for a build being written (the writer
 * reads its own writes, as after {@link #flush}), the configured level (BOUNDED by default) for
 * the live index. {@link #count} is always STRONG, since it is how a build job checks its work.
 */
public final class MilvusEntityIndex implements EntityIndex {
  /**
   * QIDs per {@code qid in [...]} request: keeps expressions small and results well inside
   * Milvus' 16,384-row query window.
   */
  static final int QIDS_PER_REQUEST = 1_000;

  private final MilvusClientV2 client;
  private final MilvusCalls calls;
  private final EntityCollections collections;
  private final String collection;
  private final String target;
  private final BuildStamp stamp;
  private final ConsistencyLevel reads;
  private final int searchEf;
  private final int writeBatchRows;
  /** When this handle last recorded a write in the collection's properties (epoch ms). */
  private final AtomicLong writeMarked = new AtomicLong();
  private volatile boolean closed;

  MilvusEntityIndex(MilvusClientV2 client, MilvusCalls calls, EntityCollections collections,
      String collection, BuildStamp stamp, ConsistencyLevel reads, MilvusConfig config) {
    this.client = client;
    this.calls = calls;
    this.collections = collections;
    this.collection = collection;
    this.target = EntityCollections.target(collection);
    this.stamp = stamp;
    this.reads = reads;
    this.searchEf = config.searchEf();
    this.writeBatchRows = config.writeBatchRows();
  }

  @Override
  public IndexSchema schema() {
    return stamp.schema();
  }

  @Override
  public String modelVersion() {
    return stamp.modelVersion();
  }

  /** The consistency level of this index's reads other than {@link #count}. */
  public ConsistencyLevel readConsistency() {
    return reads;
  }

  /**
   * Checks and encodes the whole batch before sending anything, so one bad entity writes
   * nothing. Milvus upserts each row as delete plus insert, and keeps both copies of a QID that
   * occurs twice in one request, so the last occurrence is the one sent. Requests of
   * {@code writeBatchRows} rows are not atomic together; a failed batch is safe to upsert again.
   */
  @Override
  public void upsert(List<EncodedEntity> entities) {
    checkOpen();
    Map<String, JsonObject> rows = new LinkedHashMap<>();
    for (EncodedEntity entity : entities) {
      stamp.schema().check(entity);
      rows.remove(entity.record().qid());
      rows.put(entity.record().qid(), EntityRows.row(entity, stamp.nameParts()));
    }
    for (List<JsonObject> batch : chunks(new ArrayList<>(rows.values()), writeBatchRows)) {
      calls.run("upsert of " + batch.size() + " entities", target, () -> client.upsert(
          UpsertReq.builder().collectionName(collection).data(batch).build()));
    }
    markWritten();
  }

  @Override
  public void delete(Collection<String> qids) {
    checkOpen();
    for (List<String> chunk : chunks(distinct(qids), QIDS_PER_REQUEST)) {
      calls.run("delete of " + chunk.size() + " QIDs", target, () -> client.delete(
          DeleteReq.builder().collectionName(collection).filter(Expressions.qidIn(chunk))
              .build()));
    }
    markWritten();
  }

  /** Tells gc that a writer is at work on this build, at most once a minute per handle. */
  private void markWritten() {
    long now = System.currentTimeMillis();
    long last = writeMarked.get();
    if (now - last >= BuildProgress.WRITE_MARK_INTERVAL_MILLIS
        && writeMarked.compareAndSet(last, now)) {
      collections.mark(collection, BuildProgress.written(Instant.ofEpochMilli(now)));
    }
  }

  @Override
  public void flush() {
    checkOpen();
    collections.flush(collection);
  }

  @Override
  public List<SearchHit> search(float[] query, int k, EntityFilter filter) {
    checkOpen();
    stamp.schema().checkQuery(query);
    EntityIndex.checkResultCount("k", k);
    Objects.requireNonNull(filter, "filter (EntityFilter.none() for no filter)");
    if (filter.onlyQids() != null && filter.onlyQids().isEmpty()) {
      return List.of();
    }
    // HNSW needs ef >= k; twice k keeps recall up when k is large against the configured ef.
    int ef = Math.min(MilvusConfig.MAX_SEARCH_EF, Math.max(searchEf, 2 * k));
    SearchReq.SearchReqBuilder request = SearchReq.builder().collectionName(collection)
        .annsField(EntityFields.RETRIEVAL).metricType(IndexParam.MetricType.IP)
        .data(List.<BaseVector>of(new FloatVec(query))).topK(k).searchParams(Map.of("ef", ef))
        .outputFields(List.of()).consistencyLevel(reads);
    Optional<String> expression = Expressions.of(filter);
    expression.ifPresent(request::filter);
    SearchResp response = calls.call("search (k=" + k + expression.map(e -> ", filtered")
        .orElse("") + ")", target, () -> client.search(request.build()));
    List<SearchHit> hits = new ArrayList<>();
    for (SearchResp.SearchResult result : response.getSearchResults().get(0)) {
      hits.add(new SearchHit((String) result.getId(), result.getScore()));
    }
    hits.sort(Comparator.comparingDouble(SearchHit::score).reversed());
    return hits;
  }

  @Override
  public Map<String, EncodedEntity> entities(Collection<String> qids) {
    return byQid(qids, EntityFields.ALL, "entities", row -> EntityRows.entity(row, stamp.schema()));
  }

  @Override
  public Map<String, RerankFeatures> rerankFeatures(Collection<String> qids) {
    return byQid(qids, List.of(EntityFields.QID, EntityFields.RERANK), "rerank features",
        row -> EntityRows.rerank(row, stamp.schema()));
  }

  @Override
  public Map<String, EntityRecord> records(Collection<String> qids) {
    return byQid(qids, EntityFields.RECORD, "records", EntityRows::record);
  }

  @Override
  public List<EntityRecord> lookupByName(String surface, int limit) {
    return lookupByKey("name look-up", Expressions::nameOrAliasKey, surface, limit);
  }

  @Override
  public List<EntityRecord> lookupByNamePart(String surface, int limit) {
    if (!stamp.nameParts()) {
      checkOpen();
      return List.of();
    }
    return lookupByKey("name part look-up", Expressions::namePart, surface, limit);
  }

  private List<EntityRecord> lookupByKey(String what, Function<String, String> filter,
      String surface, int limit) {
    checkOpen();
    Objects.requireNonNull(surface, "surface");
    EntityIndex.checkResultCount("limit", limit);
    String key = NameKeys.of(surface);
    if (key.isEmpty()) {
      return List.of();
    }
    QueryResp response = calls.call(what, target, () -> client.query(QueryReq.builder()
        .collectionName(collection).filter(filter.apply(key))
        .outputFields(EntityFields.RECORD).limit(limit).consistencyLevel(reads).build()));
    return response.getQueryResults().stream().map(r -> EntityRows.record(r.getEntity()))
        .sorted(Comparator.comparing(EntityRecord::qid)).toList();
  }

  @Override
  public long count() {
    checkOpen();
    return collections.count(collection);
  }

  /** Releases nothing on the server: the connection belongs to the store. */
  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "Milvus entity index " + collection + " (" + stamp + ")";
  }

  private <T> Map<String, T> byQid(Collection<String> qids, List<String> fields, String what,
      Function<Map<String, Object>, T> decode) {
    checkOpen();
    Map<String, T> found = new LinkedHashMap<>();
    for (List<String> chunk : chunks(distinct(qids), QIDS_PER_REQUEST)) {
      QueryResp response = calls.call("query of " + what + " for " + chunk.size() + " QIDs",
          target, () -> client.query(QueryReq.builder().collectionName(collection)
              .filter(Expressions.qidIn(chunk)).outputFields(fields).consistencyLevel(reads)
              .build()));
      for (QueryResp.QueryResult result : response.getQueryResults()) {
        Map<String, Object> row = result.getEntity();
        found.put((String) row.get(EntityFields.QID), decode.apply(row));
      }
    }
    return found;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private static List<String> distinct(Collection<String> qids) {
    return new ArrayList<>(new LinkedHashSet<>(Objects.requireNonNull(qids, "qids")));
  }

  private static <T> List<List<T>> chunks(List<T> items, int size) {
    List<List<T>> out = new ArrayList<>();
    for (int from = 0; from < items.size(); from += size) {
      out.add(items.subList(from, Math.min(items.size(), from + size)));
    }
    return out;
  }
}
