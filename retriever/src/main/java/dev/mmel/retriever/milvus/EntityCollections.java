package dev.mmel.retriever.milvus;

import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.IndexBuildState;
import io.milvus.v2.service.collection.request.AlterCollectionReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DescribeCollectionReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.request.ReleaseCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import io.milvus.v2.service.index.request.CreateIndexReq;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.request.ListIndexesReq;
import io.milvus.v2.service.index.response.DescribeIndexResp.IndexDesc;
import io.milvus.v2.service.utility.request.AlterAliasReq;
import io.milvus.v2.service.utility.request.CreateAliasReq;
import io.milvus.v2.service.utility.request.DescribeAliasReq;
import io.milvus.v2.service.utility.request.DropAliasReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.utility.request.GetPersistentSegmentInfoReq;
import io.milvus.v2.service.utility.request.GetQuerySegmentInfoReq;
import io.milvus.v2.service.utility.request.ListAliasesReq;
import io.milvus.v2.service.utility.response.GetPersistentSegmentInfoResp.PersistentSegmentInfo;
import io.milvus.v2.service.utility.response.GetQuerySegmentInfoResp.QuerySegmentInfo;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.response.QueryResp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of build collections on the server: create with the HNSW index, load, flush and wait
 * for the index, describe, mark progress, count, release, drop, and the aliases. Each step
 * checks before it acts, so a build job that died half-way through creating its collection
 * finishes the job when it reopens it.
 */
final class EntityCollections {
  private static final Duration POLL = Duration.ofMillis(200);
  /**
   * Milvus indexes a large build for minutes after the last write (about 14 minutes for a
   * million 800-d rows on 2 cores); the wait says how far it is at this interval.
   */
  private static final long REPORT_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();
  private static final Logger LOG = LoggerFactory.getLogger(EntityCollections.class);
  private static final String COUNT = "count(*)";

  private final MilvusClientV2 client;
  private final MilvusCalls calls;
  private final MilvusConfig config;

  EntityCollections(MilvusClientV2 client, MilvusCalls calls, MilvusConfig config) {
    this.client = client;
    this.calls = calls;
    this.config = config;
  }

  static String target(String collection) {
    return "collection " + collection;
  }

  boolean exists(String collection) {
    return calls.call("hasCollection", target(collection), () -> client.hasCollection(
        HasCollectionReq.builder().collectionName(collection).build()));
  }

  void create(String collection, BuildStamp stamp) {
    calls.run("createCollection", target(collection), () -> client.createCollection(
        CreateCollectionReq.builder().collectionName(collection).description(stamp.description())
            .properties(BuildProgress.created(config.collectionPrefix(), Instant.now()))
            .collectionSchema(EntityFields.schema(stamp.schema())).build()));
  }

  List<String> list() {
    return calls.call("listCollections", "the database", () -> client.listCollections()
        .getCollectionNames());
  }

  DescribeCollectionResp describe(String collection) {
    return calls.call("describeCollection", target(collection), () -> client.describeCollection(
        DescribeCollectionReq.builder().collectionName(collection).build()));
  }

  BuildProgress progress(String collection) {
    return BuildProgress.of(describe(collection).getProperties());
  }

  /** Adds or replaces these properties of the collection, keeping the others. */
  void mark(String collection, Map<String, String> properties) {
    calls.run("alterCollection", target(collection), () -> client.alterCollection(
        AlterCollectionReq.builder().collectionName(collection).properties(properties).build()));
  }

  /** Rows the collection holds now; it must be loaded. */
  long count(String collection) {
    QueryResp response = calls.call("count", target(collection), () -> client.query(
        QueryReq.builder().collectionName(collection).filter("").outputFields(List.of(COUNT))
            .consistencyLevel(ConsistencyLevel.STRONG).build()));
    return ((Number) response.getQueryResults().get(0).getEntity().get(COUNT)).longValue();
  }

  boolean loaded(String collection) {
    return calls.call("getLoadState", target(collection), () -> client.getLoadState(
        GetLoadStateReq.builder().collectionName(collection).build()));
  }

  /** Frees the query nodes' memory of a collection nobody reads; loading it again takes time. */
  void release(String collection) {
    if (loaded(collection)) {
      calls.run("releaseCollection", target(collection), () -> client.releaseCollection(
          ReleaseCollectionReq.builder().collectionName(collection).build()));
    }
  }

  /** The stamp the collection was created with; fails if it is not an mmel entity index. */
  BuildStamp stamp(String collection) {
    String description = calls.call("describeCollection", target(collection),
        () -> client.describeCollection(DescribeCollectionReq.builder().collectionName(collection)
            .build()).getDescription());
    return BuildStamp.parse(description).orElseThrow(() -> new IllegalStateException(
        "collection " + collection + " on " + config.uri() + " is not an mmel entity index (its "
            + "description is '" + description + "'); use another collection prefix than '"
            + config.collectionPrefix() + "', or drop that collection"));
  }

  /** Creates the HNSW index if missing and makes the collection searchable. */
  void prepareForReads(String collection) {
    List<String> indexes = calls.call("listIndexes", target(collection), () -> client.listIndexes(
        ListIndexesReq.builder().collectionName(collection).fieldName(EntityFields.RETRIEVAL)
            .build()));
    if (!indexes.contains(EntityFields.RETRIEVAL_INDEX)) {
      calls.run("createIndex", target(collection), () -> client.createIndex(
          CreateIndexReq.builder().collectionName(collection)
              .indexParams(List.of(EntityFields.retrievalIndex())).sync(false).build()));
      awaitIndex(collection);
    }
    if (!loaded(collection)) {
      calls.run("loadCollection", target(collection), () -> client.loadCollection(
          LoadCollectionReq.builder().collectionName(collection).sync(true)
              .timeout(config.waitTimeout().toMillis()).build()));
    }
  }

  /**
   * Seals what was written into persisted segments, then waits until the HNSW index covers them,
   * so that the query nodes can swap the indexed segments in.
   */
  void flush(String collection) {
    calls.run("flush", target(collection), () -> client.flush(FlushReq.builder()
        .collectionNames(List.of(collection)).waitFlushedTimeoutMs(config.waitTimeout().toMillis())
        .build()));
    awaitIndex(collection);
  }

  void drop(String collection) {
    calls.run("dropCollection", target(collection), () -> client.dropCollection(
        DropCollectionReq.builder().collectionName(collection).build()));
  }

  /**
   * The collection the alias points at, if the alias exists. Listing first (an empty collection
   * name lists the database's aliases) keeps "nothing published yet", an ordinary state, from
   * being an error the SDK logs.
   */
  Optional<String> aliasTarget(String alias) {
    List<String> aliases = calls.call("listAliases", "alias " + alias, () -> client.listAliases(
        ListAliasesReq.builder().collectionName("").build()).getAlias());
    if (!aliases.contains(alias)) {
      return Optional.empty();
    }
    return Optional.of(calls.call("describeAlias", "alias " + alias, () -> client.describeAlias(
        DescribeAliasReq.builder().alias(alias).build()).getCollectionName()));
  }

  /** The aliases that point at the collection. */
  List<String> aliasesOf(String collection) {
    return calls.call("listAliases", target(collection), () -> client.listAliases(
        ListAliasesReq.builder().collectionName(collection).build()).getAlias());
  }

  void dropAlias(String alias) {
    calls.run("dropAlias", "alias " + alias, () -> client.dropAlias(DropAliasReq.builder()
        .alias(alias).build()));
  }

  /** Points the alias at the collection in one server-side step; readers never see no index. */
  void pointAlias(String alias, String collection, boolean aliasExists) {
    if (aliasExists) {
      calls.run("alterAlias", "alias " + alias, () -> client.alterAlias(AlterAliasReq.builder()
          .alias(alias).collectionName(collection).build()));
    } else {
      calls.run("createAlias", "alias " + alias, () -> client.createAlias(CreateAliasReq.builder()
          .alias(alias).collectionName(collection).build()));
    }
  }

  /**
   * Waits until the query nodes serve every flushed segment sealed and indexed. Until then a
   * query node goes on searching rows in the growing segments they were written to, through a
   * coarse interim index; the hand-off lags the index build by up to 20 s here. Searched right
   * after publishing, builds of the encoded WikiMEL KB found from 0.83 to 0.98 of the exact top
   * 10 at ef 200, build to build; after this wait, three builds found 0.979, 0.979 and 0.978. Only
   * publishing waits: waiting at every checkpoint's flush would stall a build.
   */
  void awaitIndexedServing(String collection) {
    pollUntilDone(collection, "getQuerySegmentInfo",
        "query nodes serve every flushed segment of collection " + collection,
        "check that Milvus' query node is running", seconds -> {
          Map<Long, Long> waiting = ServedSegments.notServed(persistedSegments(collection),
              querySegments(collection));
          return waiting.isEmpty() ? Optional.empty()
              : Optional.of(ServedSegments.describe(collection, waiting, seconds));
        });
  }

  private List<PersistentSegmentInfo> persistedSegments(String collection) {
    return calls.call("getPersistentSegmentInfo", target(collection),
        () -> client.getPersistentSegmentInfo(GetPersistentSegmentInfoReq.builder()
            .collectionName(collection).build()).getSegmentInfos());
  }

  private List<QuerySegmentInfo> querySegments(String collection) {
    return calls.call("getQuerySegmentInfo", target(collection), () -> client.getQuerySegmentInfo(
        GetQuerySegmentInfoReq.builder().collectionName(collection).build()).getSegmentInfos());
  }

  private void awaitIndex(String collection) {
    long[] firstIndexed = {-1};
    pollUntilDone(collection, "describeIndex", "Milvus indexed collection " + collection,
        "check that Milvus' index node is running", seconds -> {
          IndexDesc index = calls.call("describeIndex", target(collection),
              () -> client.describeIndex(DescribeIndexReq.builder().collectionName(collection)
                  .fieldName(EntityFields.RETRIEVAL).build())
                  .getIndexDescByFieldName(EntityFields.RETRIEVAL));
          if (index.getIndexState() == IndexBuildState.Failed) {
            throw new IllegalStateException("building the HNSW index of collection " + collection
                + " failed: " + index.getIndexFailedReason() + "; see the Milvus log "
                + "(.cache/milvus.log under infra/milvus.sh)");
          }
          if (index.getIndexState() == IndexBuildState.Finished
              && index.getIndexedRows() >= index.getTotalRows()) {
            return Optional.empty();
          }
          if (firstIndexed[0] < 0) {
            firstIndexed[0] = index.getIndexedRows();
          }
          return Optional.of(IndexWait.describe(collection, index.getIndexedRows(),
              index.getTotalRows(), index.getIndexedRows() - firstIndexed[0], seconds));
        });
  }

  /** What a wait still waits for as a progress line, given the seconds waited; empty when over. */
  @FunctionalInterface
  private interface Remaining {
    Optional<String> after(double seconds);
  }

  /**
   * Polls until nothing {@code remaining}: logs its line every report interval, fails with it and
   * {@code remedy} after wait_timeout, and logs {@code done} with the time it took if it waited.
   */
  private void pollUntilDone(String collection, String call, String done, String remedy,
      Remaining remaining) {
    long started = System.nanoTime();
    long deadline = started + config.waitTimeout().toNanos();
    long nextReport = started + REPORT_INTERVAL_NANOS;
    boolean waited = false;
    while (true) {
      long now = System.nanoTime();
      double seconds = (now - started) / 1e9;
      Optional<String> line = remaining.after(seconds);
      if (line.isEmpty()) {
        if (waited) {
          LOG.info(String.format(Locale.ROOT, "%s after %.1f s", done, seconds));
        }
        return;
      }
      waited = true;
      if (now >= nextReport) {
        nextReport = now + REPORT_INTERVAL_NANOS;
        LOG.info(line.get());
      }
      if (now > deadline) {
        throw new IllegalStateException(line.get() + ", beyond wait_timeout "
            + config.waitTimeout() + "; raise MilvusConfig.waitTimeout or " + remedy);
      }
      calls.pause(POLL, call, target(collection));
    }
  }
}
