package dev.mmel.retriever.milvus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.BuildState;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexContract;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.testkit.MilvusTestServer;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.AlterCollectionReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.utility.request.CreateAliasReq;
import io.milvus.v2.service.utility.request.DescribeAliasReq;
import io.milvus.v2.service.utility.request.DropAliasReq;
import io.milvus.v2.service.utility.request.GetQuerySegmentInfoReq;
import io.milvus.v2.service.utility.response.GetQuerySegmentInfoResp.QuerySegmentInfo;
import io.milvus.v2.service.vector.request.QueryReq;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The entity index contract, and what only Milvus has, against a real Milvus server (see
 * {@link MilvusTestServer} for which one). Every store gets its own collection prefix, and the
 * test drops what it created, so runs can share a server.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MilvusEntityIndexStoreIT extends EntityIndexContract {
  private static final String RUN = Long.toString(System.currentTimeMillis() % 60_466_176L, 36);
  private static final AtomicInteger STORES = new AtomicInteger();
  private static MilvusTestServer server;
  /** A plain SDK client for what the store does not expose: segments, stored strings, clean-up. */
  private static MilvusClientV2 admin;

  private String prefix;

  @BeforeAll
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  static void startServer() throws Exception {
    server = MilvusTestServer.acquire("[milvus-index-it]");
    admin = new MilvusClientV2(ConnectConfig.builder().uri(server.uri()).connectTimeoutMs(20_000)
        .rpcDeadlineMs(60_000).build());
  }

  @AfterAll
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  static void stopServer() throws Exception {
    try {
      if (admin != null) {
        List<String> left = admin.listCollections().getCollectionNames().stream()
            .filter(name -> name.startsWith("it_" + RUN + "_")).toList();
        left.forEach(name -> admin.dropCollection(DropCollectionReq.builder()
            .collectionName(name).build()));
        admin.close();
        assertEquals(List.of(), left, "collections the tests left behind");
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Override
  protected EntityIndexStore newStore() {
    prefix = "it_" + RUN + "_" + STORES.incrementAndGet();
    return new MilvusEntityIndexStore(config());
  }

  @Override
  protected int rowsForAnn() {
    return 1_100;
  }

  /**
   * Runs before the contract's clean-up, which then drops every build, the last live one too
   * (dropping the previous build drops its alias).
   */
  @AfterEach
  void dropLiveAlias() {
    admin.dropAlias(DropAliasReq.builder().alias(prefix + "_live").build());
  }

  private MilvusConfig config() {
    return MilvusConfig.defaults(server.uri()).withCollectionPrefix(prefix)
        .withTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofMinutes(2));
  }

  @Test
  void anUnreachableServerFailsWithinTheTimeoutAndSaysWhatToCheck() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    MilvusConfig closed = MilvusConfig.defaults("http://127.0.0.1:" + port)
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1))
        .withRetries(1, Duration.ofMillis(100));
    long t0 = System.nanoTime();
    MilvusIndexException e = assertThrows(MilvusIndexException.class,
        () -> new MilvusEntityIndexStore(closed));
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("[milvus-index-it] closed port failed after %.1f s: %s%n", seconds,
        e.getMessage());
    assertTrue(seconds < 10, "two 1 s attempts took " + seconds + " s");
    assertTrue(e.getMessage().startsWith("Milvus connect on http://127.0.0.1:" + port
        + " failed after 2 attempts"), e.getMessage());
    assertTrue(e.getMessage().contains("infra/milvus.sh status"), e.getMessage());
    assertTrue(MilvusCalls.isTransient(e.getCause()), "DEADLINE_EXCEEDED is transient");
  }

  @Test
  void reopeningABuildWithAnotherModelOrShapeFails() {
    try (EntityIndex build = store.openBuild("stamped", VERSION, SCHEMA)) {
      assertEquals(VERSION, build.modelVersion());
    }
    try {
      String other = assertThrows(IllegalStateException.class,
          () -> store.openBuild("stamped", "mmoe-ffffffffffffffff", SCHEMA)).getMessage();
      assertTrue(other.contains("created for model version " + VERSION) && other.contains(
          "not for model version mmoe-ffffffffffffffff"), other);
      IndexSchema wider = new IndexSchema(41, 4, 5, 3);
      String shape = assertThrows(IllegalStateException.class,
          () -> store.openBuild("stamped", VERSION, wider)).getMessage();
      assertTrue(shape.contains("retrievalDim=41"), shape);
      assertThrows(IllegalArgumentException.class, () -> store.openBuild("live", VERSION, SCHEMA));
    } finally {
      store.dropBuild("stamped");
    }
  }

  @Test
  void aCollectionThatIsNoEntityIndexIsRefused() {
    CreateCollectionReq.CollectionSchema fields = MilvusClientV2.CreateSchema();
    fields.addField(AddFieldReq.builder().fieldName("id").dataType(DataType.Int64)
        .isPrimaryKey(true).build());
    fields.addField(AddFieldReq.builder().fieldName("v").dataType(DataType.FloatVector)
        .dimension(4).build());
    admin.createCollection(CreateCollectionReq.builder().collectionName(prefix + "_foreign")
        .description("somebody else's").collectionSchema(fields).build());
    try {
      String message = assertThrows(IllegalStateException.class,
          () -> store.openBuild("foreign", VERSION, SCHEMA)).getMessage();
      assertTrue(message.contains("is not an mmel entity index"), message);
    } finally {
      store.dropBuild("foreign");
    }
  }

  @Test
  void theLiveBuildCannotBeDroppedAndServesWithTheConfiguredConsistency() {
    Random random = new Random(11);
    try (EntityIndex build = store.openBuild("served", VERSION, SCHEMA)) {
      assertEquals(ConsistencyLevel.STRONG, ((MilvusEntityIndex) build).readConsistency());
      build.upsert(List.of(entity("Q1", "One", List.of(), random)));
      build.flush();
    }
    store.publish("served");
    store.publish("served");
    String message = assertThrows(IllegalStateException.class, () -> store.dropBuild("served"))
        .getMessage();
    assertTrue(message.contains("is live"), message);
    try (EntityIndex live = store.openLive()) {
      assertEquals(ConsistencyLevel.BOUNDED, ((MilvusEntityIndex) live).readConsistency());
      assertEquals(1, live.count());
    }
    admin.dropAlias(DropAliasReq.builder().alias(prefix + "_live").build());
    store.dropBuild("served");
  }

  @Test
  void quotesInQidsAreValuesNotExpressions() {
    Random random = new Random(12);
    try (EntityIndex index = store.openBuild("quoted", VERSION, SCHEMA)) {
      EncodedEntity one = entity("Q1", "One", List.of(), random);
      index.upsert(List.of(one, entity("Q2", "Two", List.of(), random)));
      index.flush();
      String injection = "Q0\" or qid != \"";
      assertTrue(index.records(List.of(injection, "Q\\", "Q\n1")).isEmpty());
      index.delete(List.of(injection));
      assertEquals(2, index.count());
      assertEquals(2, index.search(one.retrieval(), 5,
          EntityFilter.excluding(Set.of(injection, "\\"))).size());
      assertEquals(List.of("Q1"), index.search(one.retrieval(), 5,
          EntityFilter.only(Set.of("Q1", injection))).stream().map(h -> h.qid()).toList());
      assertTrue(index.lookupByName("\" or qid != \"", 5).isEmpty());
    } finally {
      store.dropBuild("quoted");
    }
  }

  /** Milvus itself stores both rows when one upsert request holds a primary key twice. */
  @Test
  void aQidTwiceInOneBatchIsStoredOnceWithTheLastValues() {
    Random random = new Random(15);
    try (EntityIndex index = store.openBuild("twice", VERSION, SCHEMA)) {
      index.upsert(List.of(entity("Q1", "First", List.of(), random),
          entity("Q2", "Other", List.of(), random), entity("Q1", "Last", List.of(), random)));
      index.flush();
      assertEquals(2, index.count());
      assertEquals("Last", index.records(List.of("Q1")).get("Q1").name());
    } finally {
      store.dropBuild("twice");
    }
  }

  @Test
  void afterPublishingSearchesGoThroughTheHnswIndex() throws Exception {
    Random random = new Random(13);
    String collection = prefix + "_sealed";
    List<EncodedEntity> all = new ArrayList<>();
    try (EntityIndex build = store.openBuild("sealed", VERSION, SCHEMA)) {
      for (int i = 0; i < rowsForAnn(); i++) {
        all.add(entity("Q" + i, "Entity " + i, List.of(), random));
      }
      build.upsert(all);
    }
    // Right after the index is built the query node still serves the rows from the growing
    // segment they were written to; publishing returns once it has swapped in the indexed copy.
    store.publish("sealed");
    List<QuerySegmentInfo> segments = admin.getQuerySegmentInfo(GetQuerySegmentInfoReq
        .builder().collectionName(collection).build()).getSegmentInfos();
    for (QuerySegmentInfo segment : segments) {
      System.out.println("[milvus-index-it] segment " + segment.getSegmentID() + ": "
          + segment.getNumOfRows() + " rows, index " + segment.getIndexName());
      assertEquals(EntityFields.RETRIEVAL_INDEX, segment.getIndexName());
    }
    assertEquals(rowsForAnn(), segments.stream().mapToLong(QuerySegmentInfo::getNumOfRows)
        .sum());
    try (EntityIndex live = store.openLive()) {
      assertEquals("Q7", live.search(all.get(7).retrieval(), 1, EntityFilter.none()).get(0)
          .qid());
    }
    admin.dropAlias(DropAliasReq.builder().alias(prefix + "_live").build());
    store.dropBuild("sealed");
  }

  @Test
  void theAliasesMarkLiveAndPreviousAndOnlyTheLiveBuildStaysLoaded() {
    String first = finishedBuild("first", 3);
    String second = finishedBuild("second", 3);
    store.publish(first);
    try (EntityIndex reader = store.openLive()) {
      store.publish(second);
      assertEquals(prefix + "_" + second, aliasTarget(prefix + "_live"));
      assertEquals(prefix + "_" + first, aliasTarget(prefix + "_previous"));
      assertTrue(loaded(second));
      assertFalse(loaded(first), "the replaced build is released");
      MilvusIndexException stale = assertThrows(MilvusIndexException.class, reader::count);
      System.out.println("[milvus-index-it] a reader of the replaced build: "
          + stale.getMessage());
      assertTrue(stale.getMessage().contains("Open the live index again"), stale.getMessage());
    }
    assertEquals(first, store.rollback());
    assertTrue(loaded(first), "loaded again before it went live");
    assertFalse(loaded(second));
    assertEquals(prefix + "_" + second, aliasTarget(prefix + "_previous"));
    try (EntityIndex live = store.openLive()) {
      assertEquals(3, live.search(vector(new Random(16), SCHEMA.retrievalDim()), 3,
          EntityFilter.none()).size());
    }
  }

  @Test
  void gcGoesByTheLastWriteTheWritersRecord() {
    String stale = finishedBuild("stale", 2);
    String fresh = finishedBuild("fresh", 2);
    BuildInfo written = store.builds().stream().filter(b -> b.buildId().equals(fresh))
        .findFirst().orElseThrow();
    assertTrue(written.lastWritten().orElseThrow().isAfter(Instant.now().minusSeconds(120)),
        written.toString());
    admin.alterCollection(AlterCollectionReq.builder().collectionName(prefix + "_" + stale)
        .properties(Map.of(BuildProgress.WRITTEN_AT,
            Long.toString(Instant.now().minus(Duration.ofHours(2)).toEpochMilli()))).build());
    assertEquals(List.of(stale), store.gc(Duration.ofHours(1)).stream()
        .map(BuildInfo::buildId).toList());
    assertEquals(Map.of(fresh, BuildState.UNFINISHED), states());
  }

  @Test
  void gcSparesCollectionsAnAliasPointsAtAndBuildsOfALongerPrefix() {
    String pinned = finishedBuild("pinned", 1);
    admin.createAlias(CreateAliasReq.builder().alias(prefix + "_pin")
        .collectionName(prefix + "_" + pinned).build());
    try (MilvusEntityIndexStore longer = new MilvusEntityIndexStore(
        config().withCollectionPrefix(prefix + "_x"))) {
      longer.openBuild("other", VERSION, SCHEMA).close();
      try {
        assertEquals(Map.of(pinned, BuildState.UNFINISHED), states(),
            "collection " + prefix + "_x_other belongs to prefix " + prefix + "_x");
        assertEquals(List.of(), store.gc(Duration.ZERO));
        assertTrue(admin.hasCollection(HasCollectionReq.builder()
            .collectionName(prefix + "_x_other").build()));
      } finally {
        longer.dropBuild("other");
      }
    } finally {
      admin.dropAlias(DropAliasReq.builder().alias(prefix + "_pin").build());
    }
    assertEquals(List.of(pinned), store.gc(Duration.ZERO).stream().map(BuildInfo::buildId)
        .toList());
  }

  private static String aliasTarget(String alias) {
    return admin.describeAlias(DescribeAliasReq.builder().alias(alias).build())
        .getCollectionName();
  }

  private boolean loaded(String buildId) {
    return admin.getLoadState(GetLoadStateReq.builder().collectionName(prefix + "_" + buildId)
        .build());
  }

  /** The production shapes: 800-d retrieval, 2 x (96 + 50 x 96) rerank floats. */
  @Test
  void theRealModelsShapesFitOneRow() {
    IndexSchema real = new IndexSchema(800, 96, 50, 50);
    assertEquals(9_792, real.rerankFloats());
    assertEquals(26_112, EntityFields.rerankChars(real));
    Random random = new Random(14);
    float[] retrieval = vector(random, 800);
    RerankFeatures rerank = new RerankFeatures(vector(random, 96), vector(random, 50 * 96),
        vector(random, 96), vector(random, 50 * 96));
    EntityRecord record = new EntityRecord("Q42", "€".repeat(170),
        List.of("ä".repeat(128)), "d".repeat(EntityRecord.MAX_DESCRIPTION_BYTES), "img/42.jpg");
    try (EntityIndex index = store.openBuild("real", VERSION, real)) {
      index.upsert(List.of(new EncodedEntity(record, retrieval, rerank)));
      index.flush();
      assertEquals(record, index.records(List.of("Q42")).get("Q42"));
      float[] back = index.rerankFeatures(List.of("Q42")).get("Q42").textQuery();
      for (int i = 0; i < back.length; i++) {
        float want = rerank.textQuery()[i];
        assertEquals(want, back[i], Math.abs(want) * 0x1p-11f + 0x1p-24f, "text_query " + i);
      }
      String stored = (String) admin.query(QueryReq.builder().collectionName(prefix + "_real")
          .filter("qid == \"Q42\"").outputFields(List.of(EntityFields.RERANK))
          .consistencyLevel(ConsistencyLevel.STRONG).build()).getQueryResults().get(0)
          .getEntity().get(EntityFields.RERANK);
      assertEquals(26_112, stored.length());
    } finally {
      store.dropBuild("real");
    }
  }
}
