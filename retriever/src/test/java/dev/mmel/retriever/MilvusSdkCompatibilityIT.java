package dev.mmel.retriever;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mmel.testkit.MilvusTestServer;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexBuildState;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.GetLoadStateReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.request.ReleaseCollectionReq;
import io.milvus.v2.service.index.request.CreateIndexReq;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.response.DescribeIndexResp;
import io.milvus.v2.service.utility.request.AlterAliasReq;
import io.milvus.v2.service.utility.request.CreateAliasReq;
import io.milvus.v2.service.utility.request.DescribeAliasReq;
import io.milvus.v2.service.utility.request.DropAliasReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.utility.request.GetPersistentSegmentInfoReq;
import io.milvus.v2.service.utility.request.GetQuerySegmentInfoReq;
import io.milvus.v2.service.utility.response.GetPersistentSegmentInfoResp;
import io.milvus.v2.service.utility.response.GetQuerySegmentInfoResp;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.InsertReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.UpsertReq;
import io.milvus.v2.service.vector.request.data.BaseVector;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves, against a real Milvus server, every Milvus Java SDK call the entity index relies on,
 * with the schema it will use. The server comes from {@code mmel.milvus.uri} /
 * {@code MMEL_MILVUS_URI}, else from {@code infra/milvus.sh} (started here, and then stopped
 * here, only when it was not already running). Failures name the SDK call that failed, so that
 * trying another SDK version tells exactly what broke.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class MilvusSdkCompatibilityIT {

  static final int RETRIEVAL_DIM = 800;
  /** Two towers, each a 96-d pooled vector plus 50 tokens of 96-d. */
  static final int RERANK_FLOATS = 2 * (96 + 50 * 96);
  /** fp16 little-endian, then Base64: 19,584 bytes become 26,112 ASCII characters. */
  static final int RERANK_CHARS = (RERANK_FLOATS * 2 + 2) / 3 * 4;
  static final int VARCHAR_LIMIT = 65_535;
  static final int ALIASES_CAPACITY = 64;
  static final String MODEL_VERSION = "mmoe-it-1";

  static final long RPC_DEADLINE_MS = 60_000;
  static final long LOAD_TIMEOUT_MS = 120_000;
  static final long INDEX_TIMEOUT_MS = 120_000;

  static MilvusClientV2 client;
  static String serverVersion;
  static MilvusTestServer server;
  /** Unique per run so that a shared server can hold several runs' leftovers without clashes. */
  static final String RUN = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  static final Set<String> collections = new LinkedHashSet<>();
  static final Set<String> aliases = new LinkedHashSet<>();
  /** SDK call name to {count, total nanoseconds}: the evidence of what was exercised. */
  static final Map<String, long[]> callStats = new java.util.TreeMap<>();

  @BeforeAll
  @Timeout(value = 900, unit = TimeUnit.SECONDS) // a first run also creates the server's venv
  static void connect() throws Exception {
    server = MilvusTestServer.acquire("[milvus-it]");
    String uri = server.uri();
    System.out.println("[milvus-it] server " + uri + ", SDK " + sdkVersion());
    final String target = uri;
    client = step("new MilvusClientV2", () -> new MilvusClientV2(ConnectConfig.builder()
        .uri(target)
        .connectTimeoutMs(20_000)
        .rpcDeadlineMs(RPC_DEADLINE_MS)
        .build()));
    serverVersion = step("getServerVersion", () -> client.getServerVersion());
    System.out.println("[milvus-it] server version " + serverVersion);
  }

  @AfterAll
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  static void cleanUp() throws Exception {
    callStats.forEach((call, s) -> System.out.printf("[milvus-it] %-22s x%-3d %8.1f ms%n", call,
        s[0], s[1] / 1e6));
    try {
      if (client != null) {
        for (String alias : aliases) {
          try {
            client.dropAlias(DropAliasReq.builder().alias(alias).build());
          } catch (RuntimeException ignored) {
            // already dropped by the test
          }
        }
        for (String name : collections) {
          try {
            client.dropCollection(DropCollectionReq.builder().collectionName(name).build());
          } catch (RuntimeException ignored) {
            // already dropped by the test
          }
        }
        client.close(5);
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /** The whole life of one entity collection: build, index, load, read, update, delete. */
  @Test
  void entityCollectionLifecycle() {
    String name = collectionName("entities");
    createEntityCollection(name);

    // More rows than Milvus' minimum segment size for building an index (1,024), so that the
    // searches below really go through HNSW rather than brute force over a small segment.
    List<Entity> entities = entities(1_100, 1, "v1");
    for (List<Entity> batch : List.of(entities.subList(0, 550), entities.subList(550, 1_100))) {
      long inserted = step("insert", () -> client.insert(
          InsertReq.builder().collectionName(name).data(rows(batch)).build()).getInsertCnt());
      assertEquals(batch.size(), inserted);
    }
    step("flush", () -> {
      client.flush(FlushReq.builder().collectionNames(List.of(name))
          .waitFlushedTimeoutMs(60_000L).build());
      return null;
    });
    // Publishing compares these states with the segments the query nodes serve.
    List<GetPersistentSegmentInfoResp.PersistentSegmentInfo> persisted = step(
        "getPersistentSegmentInfo", () -> client.getPersistentSegmentInfo(
            GetPersistentSegmentInfoReq.builder().collectionName(name).build()).getSegmentInfos());
    for (GetPersistentSegmentInfoResp.PersistentSegmentInfo segment : persisted) {
      System.out.println("[milvus-it] persisted segment " + segment.getSegmentID() + ": "
          + segment.getNumOfRows() + " rows, " + segment.getState());
      assertEquals("Flushed", segment.getState());
    }
    assertEquals(entities.size(), persisted.stream()
        .mapToLong(GetPersistentSegmentInfoResp.PersistentSegmentInfo::getNumOfRows).sum());
    buildIndexAndLoad(name);
    assertEquals(entities.size(), count(name));
    List<GetQuerySegmentInfoResp.QuerySegmentInfo> segments = step("getQuerySegmentInfo",
        () -> client.getQuerySegmentInfo(GetQuerySegmentInfoReq.builder().collectionName(name)
            .build()).getSegmentInfos());
    long loadedRows = 0;
    for (GetQuerySegmentInfoResp.QuerySegmentInfo segment : segments) {
      System.out.println("[milvus-it] loaded segment " + segment.getSegmentID() + ": "
          + segment.getNumOfRows() + " rows, index " + segment.getIndexName() + ", "
          + segment.getState());
      loadedRows += segment.getNumOfRows();
      assertEquals("retrieval_hnsw", segment.getIndexName(), "segment searched without HNSW");
    }
    assertEquals(entities.size(), loadedRows);

    // Point lookups by primary key: every stored field must round-trip exactly.
    List<Map<String, Object>> found = query(name,
        "qid in [\"" + entities.get(3).qid + "\", \"" + entities.get(150).qid + "\"]");
    assertEquals(2, found.size());
    for (Map<String, Object> row : found) {
      Entity expected = entities.stream().filter(e -> e.qid.equals(row.get("qid"))).findFirst()
          .orElseThrow();
      assertEntity(expected, row);
    }
    // Lookup by name, and by one alias through ARRAY_CONTAINS.
    Entity seven = entities.get(7);
    List<Map<String, Object>> byName = query(name, "name == \"" + seven.name + "\"");
    assertEquals(List.of(seven.qid), qids(byName));
    List<Map<String, Object>> byAlias = query(name,
        "array_contains(aliases, \"" + seven.aliases.get(1) + "\")");
    assertEquals(List.of(seven.qid), qids(byAlias));

    // Top-K by inner product: an entity's own vector finds itself first, scored |v|^2.
    Entity probe = entities.get(42);
    List<SearchResp.SearchResult> hits = search(name, probe.retrieval, 10, null);
    assertEquals(10, hits.size());
    assertEquals(probe.qid, hits.get(0).getId());
    assertEquals(dot(probe.retrieval, probe.retrieval), hits.get(0).getScore(), 1e-3);
    for (int i = 1; i < hits.size(); i++) {
      assertTrue(hits.get(i - 1).getScore() >= hits.get(i).getScore(), "scores must descend");
    }
    assertEquals(probe.name, hits.get(0).getEntity().get("name"));
    // The same search with a boolean filter: excluded entities never come back.
    List<SearchResp.SearchResult> filtered = search(name, probe.retrieval, 10,
        "model_version == \"" + MODEL_VERSION + "\" and qid != \"" + probe.qid + "\"");
    assertEquals(10, filtered.size());
    assertTrue(filtered.stream().noneMatch(h -> probe.qid.equals(h.getId())));
    List<SearchResp.SearchResult> none = search(name, probe.retrieval, 10,
        "model_version == \"other\"");
    assertTrue(none.isEmpty());

    // Upsert the same qid twice: still one row, carrying the last version.
    Entity first = entities.get(4);
    assertEquals("Q5", first.qid);
    for (int round = 1; round <= 2; round++) {
      Entity updated = entity(5, 1000 + round, "v" + (round + 1));
      long upserted = step("upsert", () -> client.upsert(UpsertReq.builder().collectionName(name)
          .data(rows(List.of(updated))).build()).getUpsertCnt());
      assertEquals(1, upserted);
      List<Map<String, Object>> rows = query(name, "qid == \"" + first.qid + "\"");
      assertEquals(1, rows.size(), "upsert must not duplicate the primary key");
      assertEntity(updated, rows.get(0));
      assertEquals(entities.size(), count(name));
      List<SearchResp.SearchResult> self = search(name, updated.retrieval, 1, null);
      assertEquals(first.qid, self.get(0).getId());
      assertEquals(dot(updated.retrieval, updated.retrieval), self.get(0).getScore(), 1e-3);
    }

    // Delete by primary key: gone from queries, counts and searches.
    List<Object> doomed = List.of(entities.get(10).qid, entities.get(11).qid);
    long deleted = step("delete", () -> client.delete(DeleteReq.builder().collectionName(name)
        .ids(doomed).build()).getDeleteCnt());
    assertEquals(2, deleted);
    assertEquals(entities.size() - 2, count(name));
    assertTrue(query(name, "qid in [\"" + doomed.get(0) + "\", \"" + doomed.get(1) + "\"]")
        .isEmpty());
    List<SearchResp.SearchResult> afterDelete = search(name, entities.get(10).retrieval, 10, null);
    assertTrue(afterDelete.stream().noneMatch(h -> doomed.contains(h.getId())));
    // Delete by a compound expression (not only primary keys), as a cleanup by model version
    // would use.
    step("delete(filter)", () -> client.delete(DeleteReq.builder().collectionName(name)
        .filter("model_version == \"" + MODEL_VERSION + "\" and qid in [\""
            + entities.get(12).qid + "\"]").build()));
    assertEquals(entities.size() - 3, count(name));
    assertTrue(query(name, "qid == \"" + entities.get(12).qid + "\"").isEmpty());

    // Release makes the collection unsearchable; loading again brings it back intact.
    step("releaseCollection", () -> {
      client.releaseCollection(ReleaseCollectionReq.builder().collectionName(name).build());
      return null;
    });
    assertFalse(step("getLoadState", () -> client.getLoadState(
        GetLoadStateReq.builder().collectionName(name).build())));
    AssertionError notLoaded = assertThrows(AssertionError.class,
        () -> search(name, probe.retrieval, 1, null));
    assertTrue(notLoaded.getMessage().contains("not loaded"), notLoaded.getMessage());
    load(name);
    assertEquals(probe.qid, search(name, probe.retrieval, 1, null).get(0).getId());
    assertEquals(entities.size() - 3, count(name));
  }

  /** The full-build switch: readers follow the alias from the old collection to the new one. */
  @Test
  void aliasSwitchToNewBuild() {
    String alias = "mmel_it_" + RUN + "_live";
    String oldBuild = collectionName("build_a");
    String newBuild = collectionName("build_b");
    List<Entity> oldEntities = entities(50, 7, "old");
    List<Entity> newEntities = entities(60, 8, "new");
    for (Map.Entry<String, List<Entity>> build :
        List.of(Map.entry(oldBuild, oldEntities), Map.entry(newBuild, newEntities))) {
      createEntityCollection(build.getKey());
      step("insert", () -> client.insert(InsertReq.builder().collectionName(build.getKey())
          .data(rows(build.getValue())).build()));
      step("flush", () -> {
        client.flush(FlushReq.builder().collectionNames(List.of(build.getKey()))
            .waitFlushedTimeoutMs(60_000L).build());
        return null;
      });
      buildIndexAndLoad(build.getKey());
    }

    step("createAlias", () -> {
      client.createAlias(CreateAliasReq.builder().collectionName(oldBuild).alias(alias).build());
      return null;
    });
    aliases.add(alias);
    assertEquals(oldBuild, step("describeAlias", () -> client.describeAlias(
        DescribeAliasReq.builder().alias(alias).build()).getCollectionName()));
    assertEquals(oldEntities.size(), count(alias));
    Entity oldProbe = oldEntities.get(3);
    assertEquals(oldProbe.qid, search(alias, oldProbe.retrieval, 1, null).get(0).getId());

    step("alterAlias", () -> {
      client.alterAlias(AlterAliasReq.builder().collectionName(newBuild).alias(alias).build());
      return null;
    });
    assertEquals(newBuild, step("describeAlias", () -> client.describeAlias(
        DescribeAliasReq.builder().alias(alias).build()).getCollectionName()));
    step("dropCollection", () -> {
      client.dropCollection(DropCollectionReq.builder().collectionName(oldBuild).build());
      return null;
    });
    assertFalse(step("hasCollection", () -> client.hasCollection(
        HasCollectionReq.builder().collectionName(oldBuild).build())));

    assertEquals(newEntities.size(), count(alias));
    Entity newProbe = newEntities.get(9);
    List<SearchResp.SearchResult> hits = search(alias, newProbe.retrieval, 5, null);
    assertEquals(newProbe.qid, hits.get(0).getId());
    assertEquals("new", ((String) hits.get(0).getEntity().get("name")).split(" ")[0]);
    List<Map<String, Object>> rows = query(alias, "qid == \"" + newProbe.qid + "\"");
    assertEquals(1, rows.size());
    assertEntity(newProbe, rows.get(0));
    // The old build's entities share qids with the new one (Q1..Q50): the values prove which
    // collection answered.
    assertEquals(newEntities.get(0).name, query(alias, "qid == \"Q1\"").get(0).get("name"));

    step("dropAlias", () -> {
      client.dropAlias(DropAliasReq.builder().alias(alias).build());
      return null;
    });
    aliases.remove(alias);
  }

  /** Where the 9,792 rerank floats can live on this server, and the limits around them. */
  @Test
  void rerankFeatureStorageLimits() {
    assertEquals(9_792, RERANK_FLOATS);
    assertEquals(26_112, RERANK_CHARS);
    assertTrue(RERANK_CHARS <= VARCHAR_LIMIT);

    // One character over the declared max_length fails (this SDK already checks characters).
    String name = collectionName("limits");
    createEntityCollection(name);
    Entity ok = entity(1, 1, "limit");
    step("insert", () -> client.insert(InsertReq.builder().collectionName(name)
        .data(rows(List.of(ok))).build()));
    JsonObject tooLong = row(entity(2, 2, "limit"));
    tooLong.addProperty("rerank_fp16_b64", "A".repeat(RERANK_CHARS + 1));
    RuntimeException rejected = assertThrows(RuntimeException.class, () -> client.insert(
        InsertReq.builder().collectionName(name).data(List.of(tooLong)).build()));
    System.out.println("[milvus-it] rerank string over max_length: " + rejected.getMessage());
    // The server counts max_length in UTF-8 bytes, not characters: 300 x U+20AC is 300
    // characters (which the SDK's own check lets through) but 900 bytes.
    JsonObject multiByte = row(entity(3, 3, "limit"));
    multiByte.addProperty("name", "\u20ac".repeat(300));
    RuntimeException bytes = assertThrows(RuntimeException.class, () -> client.insert(
        InsertReq.builder().collectionName(name).data(List.of(multiByte)).build()));
    System.out.println("[milvus-it] 300 x U+20AC (900 UTF-8 bytes) in VARCHAR(512): "
        + bytes.getMessage());
    // A VARCHAR cannot be declared longer than 65,535. (Probe collections are registered for
    // clean-up first, in case a newer server accepts them.)
    collections.add(collectionName("wide"));
    RuntimeException tooWide = assertThrows(RuntimeException.class, () -> client.createCollection(
        CreateCollectionReq.builder().collectionName(collectionName("wide"))
            .collectionSchema(schemaWith(AddFieldReq.builder().fieldName("blob")
                .dataType(DataType.VarChar).maxLength(VARCHAR_LIMIT + 1).build()))
            .build()));
    System.out.println("[milvus-it] VARCHAR(65536): " + tooWide.getMessage());

    // The JSON alternative, a list of the fp16-rounded numbers, is ~107 KB of text per entity.
    String jsonName = collectionName("json");
    step("createCollection", () -> {
      client.createCollection(CreateCollectionReq.builder().collectionName(jsonName)
          .collectionSchema(schemaWith(AddFieldReq.builder().fieldName("rerank_json")
              .dataType(DataType.JSON).build())).build());
      return null;
    });
    collections.add(jsonName);
    Entity jsonEntity = entity(4, 4, "json");
    JsonObject jsonRow = new JsonObject();
    jsonRow.addProperty("qid", jsonEntity.qid);
    jsonRow.add("retrieval", row(jsonEntity).get("retrieval"));
    JsonArray numbers = new JsonArray();
    for (float v : jsonEntity.rerank) {
      numbers.add(Fp16.toFloat(Fp16.fromFloat(v)));
    }
    jsonRow.add("rerank_json", numbers);
    int jsonBytes = numbers.toString().getBytes(StandardCharsets.UTF_8).length;
    System.out.println("[milvus-it] JSON text of one entity's features: " + jsonBytes + " bytes");
    RuntimeException jsonRefused = null;
    try {
      client.insert(InsertReq.builder().collectionName(jsonName).data(List.of(jsonRow)).build());
    } catch (RuntimeException e) {
      jsonRefused = e;
    }
    System.out.println("[milvus-it] JSON features: "
        + (jsonRefused == null ? "accepted" : jsonRefused.getMessage()));

    if (serverVersion.startsWith("v2.3.")) {
      assertTrue(jsonBytes > 65_536);
      assertNotNull(jsonRefused, "2.3 accepted a JSON value over 65,536 bytes");
      // 2.3 allows one vector field per collection, so the features cannot be a second one
      // (FLOAT16_VECTOR or a BINARY_VECTOR of fp16 bytes) next to the retrieval vector.
      for (AddFieldReq second : List.of(
          AddFieldReq.builder().fieldName("rerank_fp16").dataType(DataType.Float16Vector)
              .dimension(RERANK_FLOATS).build(),
          AddFieldReq.builder().fieldName("rerank_bits").dataType(DataType.BinaryVector)
              .dimension(32_768).build())) {
        String probe = collectionName("two_vectors");
        collections.add(probe);
        RuntimeException refused = assertThrows(RuntimeException.class,
            () -> client.createCollection(CreateCollectionReq.builder().collectionName(probe)
                .collectionSchema(schemaWith(second)).build()),
            "a second vector field (" + second.getDataType() + ") was accepted by "
                + serverVersion + ": rerank features could move out of the VARCHAR");
        System.out.println("[milvus-it] second vector field " + second.getDataType() + ": "
            + refused.getMessage());
      }
      // Even alone, fp16 bytes do not fit a BINARY_VECTOR: 19,584 bytes are 156,672 bits and
      // the dimension limit is 32,768.
      CreateCollectionReq.CollectionSchema binaryOnly = MilvusClientV2.CreateSchema();
      binaryOnly.addField(AddFieldReq.builder().fieldName("qid").dataType(DataType.VarChar)
          .maxLength(64).isPrimaryKey(true).autoID(false).build());
      binaryOnly.addField(AddFieldReq.builder().fieldName("rerank_bits")
          .dataType(DataType.BinaryVector).dimension(RERANK_FLOATS * 16).build());
      collections.add(collectionName("bits"));
      RuntimeException tooManyBits = assertThrows(RuntimeException.class,
          () -> client.createCollection(CreateCollectionReq.builder()
              .collectionName(collectionName("bits")).collectionSchema(binaryOnly).build()));
      System.out.println("[milvus-it] BINARY_VECTOR dim " + RERANK_FLOATS * 16 + ": "
          + tooManyBits.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The entity index schema and the calls around it.

  static CreateCollectionReq.CollectionSchema entitySchema() {
    CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
    schema.addField(AddFieldReq.builder().fieldName("qid").dataType(DataType.VarChar)
        .maxLength(64).isPrimaryKey(true).autoID(false).build());
    schema.addField(AddFieldReq.builder().fieldName("name").dataType(DataType.VarChar)
        .maxLength(512).build());
    schema.addField(AddFieldReq.builder().fieldName("aliases").dataType(DataType.Array)
        .elementType(DataType.VarChar).maxCapacity(ALIASES_CAPACITY).maxLength(256).build());
    schema.addField(AddFieldReq.builder().fieldName("description").dataType(DataType.VarChar)
        .maxLength(2048).build());
    schema.addField(AddFieldReq.builder().fieldName("image_ref").dataType(DataType.VarChar)
        .maxLength(1024).build());
    schema.addField(AddFieldReq.builder().fieldName("model_version").dataType(DataType.VarChar)
        .maxLength(64).build());
    schema.addField(AddFieldReq.builder().fieldName("retrieval").dataType(DataType.FloatVector)
        .dimension(RETRIEVAL_DIM).build());
    schema.addField(AddFieldReq.builder().fieldName("rerank_fp16_b64").dataType(DataType.VarChar)
        .maxLength(RERANK_CHARS).build());
    return schema;
  }

  /** A minimal valid schema plus one extra field, for probing what the server accepts. */
  static CreateCollectionReq.CollectionSchema schemaWith(AddFieldReq extra) {
    CreateCollectionReq.CollectionSchema schema = MilvusClientV2.CreateSchema();
    schema.addField(AddFieldReq.builder().fieldName("qid").dataType(DataType.VarChar)
        .maxLength(64).isPrimaryKey(true).autoID(false).build());
    schema.addField(AddFieldReq.builder().fieldName("retrieval").dataType(DataType.FloatVector)
        .dimension(RETRIEVAL_DIM).build());
    schema.addField(extra);
    return schema;
  }

  static void createEntityCollection(String name) {
    step("createCollection", () -> {
      client.createCollection(CreateCollectionReq.builder().collectionName(name)
          .collectionSchema(entitySchema()).numShards(1).build());
      return null;
    });
    collections.add(name);
  }

  static void buildIndexAndLoad(String name) {
    step("createIndex", () -> {
      client.createIndex(CreateIndexReq.builder().collectionName(name)
          .indexParams(List.of(IndexParam.builder().fieldName("retrieval").indexName("retrieval_hnsw")
              .indexType(IndexParam.IndexType.HNSW).metricType(IndexParam.MetricType.IP)
              .extraParams(Map.of("M", 16, "efConstruction", 200)).build()))
          .sync(false).build());
      return null;
    });
    // Flushed segments get their index built in the background; wait for it so that load picks
    // up the index rather than a brute-force fallback.
    long deadline = System.currentTimeMillis() + INDEX_TIMEOUT_MS;
    DescribeIndexResp.IndexDesc index;
    while (true) {
      index = step("describeIndex", () -> client.describeIndex(DescribeIndexReq.builder()
          .collectionName(name).fieldName("retrieval").build()).getIndexDescByFieldName("retrieval"));
      assertNotNull(index, "describeIndex found no index on retrieval");
      if (index.getIndexState() == IndexBuildState.Finished
          && index.getIndexedRows() == index.getTotalRows()) {
        break;
      }
      if (index.getIndexState() == IndexBuildState.Failed) {
        fail("index build failed: " + index.getIndexFailedReason());
      }
      if (System.currentTimeMillis() > deadline) {
        fail("index not built after " + INDEX_TIMEOUT_MS + " ms: " + index.getIndexState());
      }
      sleep(200);
    }
    assertEquals(IndexParam.IndexType.HNSW, index.getIndexType());
    assertEquals(IndexParam.MetricType.IP, index.getMetricType());
    assertEquals("retrieval_hnsw", index.getIndexName());
    assertEquals("16", String.valueOf(index.getExtraParams().get("M")));
    assertEquals("200", String.valueOf(index.getExtraParams().get("efConstruction")));
    load(name);
  }

  static void load(String name) {
    step("loadCollection", () -> {
      client.loadCollection(LoadCollectionReq.builder().collectionName(name)
          .sync(true).timeout(LOAD_TIMEOUT_MS).build());
      return null;
    });
    assertTrue(step("getLoadState", () -> client.getLoadState(
        GetLoadStateReq.builder().collectionName(name).build())));
  }

  static List<Map<String, Object>> query(String collection, String filter) {
    QueryResp resp = step("query", () -> client.query(QueryReq.builder()
        .collectionName(collection).filter(filter)
        .outputFields(List.of("qid", "name", "aliases", "description", "image_ref",
            "model_version", "retrieval", "rerank_fp16_b64"))
        .consistencyLevel(ConsistencyLevel.STRONG).build()));
    return resp.getQueryResults().stream().map(QueryResp.QueryResult::getEntity)
        .collect(Collectors.toList());
  }

  static long count(String collection) {
    QueryResp resp = step("query(count(*))", () -> client.query(QueryReq.builder()
        .collectionName(collection).filter("").outputFields(List.of("count(*)"))
        .consistencyLevel(ConsistencyLevel.STRONG).build()));
    assertEquals(1, resp.getQueryResults().size());
    return ((Number) resp.getQueryResults().get(0).getEntity().get("count(*)")).longValue();
  }

  static List<SearchResp.SearchResult> search(String collection, float[] vector, int topK,
      String filter) {
    SearchReq.SearchReqBuilder req = SearchReq.builder().collectionName(collection)
        .annsField("retrieval").metricType(IndexParam.MetricType.IP)
        .data(List.<BaseVector>of(new FloatVec(boxed(vector)))).topK(topK)
        .searchParams(Map.of("ef", 64))
        .outputFields(List.of("name", "model_version"))
        .consistencyLevel(ConsistencyLevel.STRONG);
    if (filter != null) {
      req.filter(filter);
    }
    SearchResp resp = step("search", () -> client.search(req.build()));
    assertEquals(1, resp.getSearchResults().size(), "one result list per query vector");
    return resp.getSearchResults().get(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Test data.

  record Entity(String qid, String name, List<String> aliases, String description,
      String imageRef, String modelVersion, float[] retrieval, float[] rerank) {}

  static List<Entity> entities(int n, long seed, String tag) {
    List<Entity> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(entity(i, seed * 1_000_003L + i, tag));
    }
    return out;
  }

  static Entity entity(int i, long seed, String tag) {
    Random random = new Random(seed);
    float[] retrieval = new float[RETRIEVAL_DIM];
    for (int d = 0; d < RETRIEVAL_DIM; d++) {
      retrieval[d] = (float) random.nextGaussian() * 0.05f;
    }
    float[] rerank = new float[RERANK_FLOATS];
    for (int d = 0; d < RERANK_FLOATS; d++) {
      rerank[d] = (float) random.nextGaussian();
    }
    return new Entity("Q" + i, tag + " entity " + i,
        List.of(tag + "-alias-" + i + "-a", tag + "-alias-" + i + "-b", "Éntité " + i),
        "Description of " + tag + " entity " + i + " (" + "x".repeat(i % 50) + ")",
        "images/" + tag + "/" + i + ".jpg", MODEL_VERSION, retrieval, rerank);
  }

  static List<JsonObject> rows(List<Entity> entities) {
    return entities.stream().map(MilvusSdkCompatibilityIT::row).collect(Collectors.toList());
  }

  static JsonObject row(Entity e) {
    JsonObject row = new JsonObject();
    row.addProperty("qid", e.qid);
    row.addProperty("name", e.name);
    JsonArray aliases = new JsonArray();
    e.aliases.forEach(aliases::add);
    row.add("aliases", aliases);
    row.addProperty("description", e.description);
    row.addProperty("image_ref", e.imageRef);
    row.addProperty("model_version", e.modelVersion);
    JsonArray vector = new JsonArray();
    for (float v : e.retrieval) {
      vector.add(v);
    }
    row.add("retrieval", vector);
    row.addProperty("rerank_fp16_b64", Fp16.encodeBase64(e.rerank));
    return row;
  }

  static void assertEntity(Entity expected, Map<String, Object> row) {
    assertEquals(expected.qid, row.get("qid"));
    assertEquals(expected.name, row.get("name"));
    assertEquals(expected.aliases, row.get("aliases"));
    assertEquals(expected.description, row.get("description"));
    assertEquals(expected.imageRef, row.get("image_ref"));
    assertEquals(expected.modelVersion, row.get("model_version"));
    @SuppressWarnings("unchecked")
    List<Float> retrieval = (List<Float>) row.get("retrieval");
    assertEquals(RETRIEVAL_DIM, retrieval.size());
    for (int d = 0; d < RETRIEVAL_DIM; d++) {
      assertEquals(expected.retrieval[d], retrieval.get(d), 0f, "retrieval[" + d + "]");
    }
    String stored = (String) row.get("rerank_fp16_b64");
    assertEquals(RERANK_CHARS, stored.length());
    assertEquals(Fp16.encodeBase64(expected.rerank), stored, "fp16 bytes must round-trip");
    float[] decoded = Fp16.decodeBase64(stored);
    for (int d = 0; d < RERANK_FLOATS; d++) {
      float want = expected.rerank[d];
      // fp16 keeps 11 significant bits: relative error <= 2^-11 for normal values.
      assertEquals(want, decoded[d], Math.abs(want) * 0x1p-11f + 0x1p-24f, "rerank[" + d + "]");
    }
  }

  static List<String> qids(List<Map<String, Object>> rows) {
    return rows.stream().map(r -> (String) r.get("qid")).collect(Collectors.toList());
  }

  static float dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return (float) sum;
  }

  static List<Float> boxed(float[] v) {
    List<Float> out = new ArrayList<>(v.length);
    for (float f : v) {
      out.add(f);
    }
    return out;
  }

  /** IEEE 754 binary16 with round-half-to-even; Java 17 has no Float.floatToFloat16. */
  static final class Fp16 {
    static short fromFloat(float value) {
      int bits = Float.floatToRawIntBits(value);
      int sign = (bits >>> 16) & 0x8000;
      int exponent = (bits >>> 23) & 0xff;
      int mantissa = bits & 0x7f_ffff;
      if (exponent == 0xff) {
        return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
      }
      int e = exponent - 127 + 15;
      if (e >= 0x1f) {
        return (short) (sign | 0x7c00);
      }
      if (e <= 0) {
        if (e < -10) {
          return (short) sign;
        }
        int full = mantissa | 0x80_0000;
        int shift = 14 - e;
        int half = full >> shift;
        int rest = full & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
          half++;
        }
        return (short) (sign | half);
      }
      int half = (e << 10) | (mantissa >> 13);
      int rest = mantissa & 0x1fff;
      if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
        half++; // a carry into the exponent is still the correctly rounded value
      }
      return (short) (sign | half);
    }

    static float toFloat(short half) {
      int bits = half & 0xffff;
      int sign = (bits & 0x8000) << 16;
      int exponent = (bits >>> 10) & 0x1f;
      int mantissa = bits & 0x3ff;
      if (exponent == 0x1f) {
        return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
      }
      if (exponent == 0) {
        float magnitude = mantissa * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
      }
      return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    static String encodeBase64(float[] values) {
      ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        buffer.putShort(fromFloat(v));
      }
      return Base64.getEncoder().encodeToString(buffer.array());
    }

    static float[] decodeBase64(String text) {
      ByteBuffer buffer = ByteBuffer.wrap(Base64.getDecoder().decode(text))
          .order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[buffer.remaining() / 2];
      for (int i = 0; i < out.length; i++) {
        out[i] = toFloat(buffer.getShort());
      }
      return out;
    }
  }

  @Test
  void fp16CodecIsExactOnRepresentableValues() {
    float[] values = {0f, -0f, 1f, -2f, 0.5f, 65504f, 0x1p-14f, 0x1p-24f, 1.0009765625f};
    for (float v : values) {
      assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(Fp16.toFloat(Fp16.fromFloat(v))),
          "round trip of " + v);
    }
    assertEquals(0x3c00, Fp16.fromFloat(1f) & 0xffff);
    assertEquals(0x7c00, Fp16.fromFloat(1e6f) & 0xffff, "overflow becomes infinity");
    assertEquals(0x3c00, Fp16.fromFloat(1.00048828125f) & 0xffff, "ties round to even");
    assertEquals(0x3c02, Fp16.fromFloat(1.00146484375f) & 0xffff, "ties round to even");
    assertEquals(RERANK_CHARS, Fp16.encodeBase64(new float[RERANK_FLOATS]).length());
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing.

  static String collectionName(String what) {
    return "mmel_it_" + RUN + "_" + what;
  }

  /** Runs one SDK call and names it in the failure, so that an SDK/server mismatch is precise. */
  static <T> T step(String call, Supplier<T> body) {
    long t0 = System.nanoTime();
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw new AssertionError("Milvus SDK " + sdkVersion() + " call " + call + " failed against "
          + (serverVersion == null ? "the server" : serverVersion) + ": " + e, e);
    } finally {
      callStats.computeIfAbsent(call, k -> new long[2]);
      callStats.get(call)[0]++;
      callStats.get(call)[1] += System.nanoTime() - t0;
    }
  }

  static String sdkVersion() {
    String v = MilvusClientV2.class.getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    try (InputStream in = MilvusClientV2.class.getResourceAsStream(
        "/META-INF/maven/io.milvus/milvus-sdk-java/pom.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        return p.getProperty("version", "?");
      }
    } catch (IOException ignored) {
      // unknown
    }
    return "?";
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
