package dev.mmel.retriever;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link EntityIndexStore} must have, run against each implementation: the
 * embedded store as a unit test, the Milvus store as an integration test on a real server.
 * Vectors are random but exact search over them is computed here, so results are checked, not
 * trusted. Then what publishing guarantees: refusals under the policy, the previous build and
 * rollback, the listing of builds and their states, and gc.
 */
public abstract class EntityIndexContract {
  protected static final IndexSchema SCHEMA = new IndexSchema(40, 4, 5, 3);
  protected static final String VERSION = "mmoe-0123456789abcdef";

  protected EntityIndexStore store;
  private final List<String> builds = new ArrayList<>();
  private int buildCounter;

  /** A fresh, empty store (a new directory, or a new collection prefix on the server). */
  protected abstract EntityIndexStore newStore() throws Exception;

  /** Rows a store must hold before its ANN index is really used (Milvus: 1,024 per segment). */
  protected int rowsForAnn() {
    return 300;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    for (String build : builds) {
      if (!store.liveBuildId().map(build::equals).orElse(false)) {
        store.dropBuild(build);
      }
    }
    store.close();
  }

  /**
   * A build of {@code n} entities, written, flushed and closed as a finished job leaves it, not
   * published; removed after the test.
   */
  protected String finishedBuild(String label, int n) {
    String id = label + "_" + buildCounter++;
    builds.add(id);
    try (EntityIndex build = store.openBuild(id, VERSION, SCHEMA)) {
      build.upsert(entities(n, new Random(n)));
      build.flush();
    }
    return id;
  }

  protected EntityIndex newBuild() {
    String id = "b" + System.nanoTime() % 1_000_000_000L + "_" + buildCounter++;
    builds.add(id);
    return store.openBuild(id, VERSION, SCHEMA);
  }

  protected static EncodedEntity entity(String qid, String name, List<String> aliases,
      Random random) {
    return new EncodedEntity(new EntityRecord(qid, name, aliases, "desc of " + name, qid + ".jpg"),
        vector(random, SCHEMA.retrievalDim()),
        new RerankFeatures(vector(random, SCHEMA.hiddenDim()),
            vector(random, SCHEMA.textPositions() * SCHEMA.hiddenDim()),
            vector(random, SCHEMA.hiddenDim()),
            vector(random, SCHEMA.imagePositions() * SCHEMA.hiddenDim())));
  }

  protected static float[] vector(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static float dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return (float) sum;
  }

  private static List<EncodedEntity> entities(int n, Random random) {
    List<EncodedEntity> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(entity("Q" + (1000 + i), "Entity " + i, List.of("alias " + i), random));
    }
    return out;
  }

  @Test
  void whatIsWrittenIsReadBack() {
    Random random = new Random(1);
    try (EntityIndex index = newBuild()) {
      EncodedEntity powers = entity("Q256474", "Stefanie Powers",
          List.of("Stefania Zofya Federkiewicz"), random);
      index.upsert(List.of(powers, entity("Q532915", "Noel Harrison", List.of(), random)));
      index.flush();
      assertEquals(2, index.count());
      assertEquals(VERSION, index.modelVersion());
      assertEquals(SCHEMA, index.schema());
      EntityRecord record = index.records(List.of("Q256474", "Q999")).get("Q256474");
      assertEquals(powers.record(), record);
      assertEquals(1, index.records(List.of("Q256474", "Q999")).size());
      RerankFeatures f = index.rerankFeatures(List.of("Q256474")).get("Q256474");
      assertClose(powers.rerank().textQuery(), f.textQuery(), 2e-3);
      assertClose(powers.rerank().imageC(), f.imageC(), 2e-3);
      Map<String, EncodedEntity> read = index.entities(List.of("Q256474", "Q999"));
      assertEquals(Set.of("Q256474"), read.keySet());
      EncodedEntity whole = read.get("Q256474");
      assertEquals(powers.record(), whole.record());
      assertArrayEquals(powers.retrieval(), whole.retrieval(),
          "the retrieval vector is stored as written, in float32");
      assertClose(powers.rerank().textC(), whole.rerank().textC(), 2e-3);
      assertClose(powers.rerank().textQuery(), whole.rerank().textQuery(), 2e-3);
      assertClose(powers.rerank().imageC(), whole.rerank().imageC(), 2e-3);
      assertClose(powers.rerank().imageQuery(), whole.rerank().imageQuery(), 2e-3);
      List<SearchHit> hits = index.search(powers.retrieval(), 2, EntityFilter.none());
      assertEquals("Q256474", hits.get(0).qid());
      assertEquals(dot(powers.retrieval(), powers.retrieval()), hits.get(0).score(),
          1e-3 * Math.abs(hits.get(0).score()));
    }
  }

  @Test
  void upsertIsIdempotentByQidAndTheLastWriteWins() {
    Random random = new Random(2);
    try (EntityIndex index = newBuild()) {
      EncodedEntity first = entity("Q1", "First name", List.of(), random);
      EncodedEntity second = entity("Q1", "Second name", List.of("renamed"), random);
      index.upsert(List.of(first));
      index.flush();
      index.upsert(List.of(second));
      index.upsert(List.of(second));
      index.flush();
      assertEquals(1, index.count());
      assertEquals("Second name", index.records(List.of("Q1")).get("Q1").name());
      assertEquals("Q1", index.search(second.retrieval(), 1, EntityFilter.none()).get(0).qid());
      assertTrue(index.lookupByName("first name", 5).isEmpty());
      assertEquals(1, index.lookupByName("Renamed", 5).size());
    }
  }

  @Test
  void deletedEntitiesAreGoneEverywhere() {
    Random random = new Random(3);
    try (EntityIndex index = newBuild()) {
      List<EncodedEntity> all = entities(20, random);
      index.upsert(all);
      index.flush();
      index.delete(List.of("Q1003", "Q1007", "Q-not-there"));
      index.flush();
      assertEquals(18, index.count());
      assertFalse(index.records(List.of("Q1003")).containsKey("Q1003"));
      assertFalse(index.rerankFeatures(List.of("Q1007")).containsKey("Q1007"));
      assertFalse(index.entities(List.of("Q1007")).containsKey("Q1007"));
      assertTrue(index.lookupByName("Entity 3", 5).isEmpty());
      for (SearchHit hit : index.search(all.get(3).retrieval(), 20, EntityFilter.none())) {
        assertFalse(Set.of("Q1003", "Q1007").contains(hit.qid()), hit.qid());
      }
    }
  }

  @Test
  void searchFindsTheExactTopByInnerProductAndHonoursFilters() {
    Random random = new Random(4);
    int n = rowsForAnn();
    try (EntityIndex index = newBuild()) {
      List<EncodedEntity> all = entities(n, random);
      for (int from = 0; from < n; from += 100) {
        index.upsert(all.subList(from, Math.min(n, from + 100)));
      }
      index.flush();
      int recalled = 0;
      int queries = 20;
      for (int q = 0; q < queries; q++) {
        float[] query = vector(random, SCHEMA.retrievalDim());
        List<EncodedEntity> exact = new ArrayList<>(all);
        exact.sort((a, b) -> Float.compare(dot(b.retrieval(), query), dot(a.retrieval(), query)));
        List<SearchHit> hits = index.search(query, 10, EntityFilter.none());
        assertEquals(10, hits.size());
        for (int i = 1; i < hits.size(); i++) {
          assertTrue(hits.get(i - 1).score() >= hits.get(i).score(), "best first");
        }
        Set<String> top = Set.copyOf(exact.subList(0, 10).stream()
            .map(e -> e.record().qid()).toList());
        recalled += (int) hits.stream().filter(h -> top.contains(h.qid())).count();
        SearchHit best = hits.get(0);
        EncodedEntity bestEntity = all.stream()
            .filter(e -> e.record().qid().equals(best.qid())).findFirst().orElseThrow();
        assertEquals(dot(bestEntity.retrieval(), query), best.score(),
            1e-3 * Math.max(1, Math.abs(best.score())), "score is the inner product");
      }
      assertTrue(recalled >= queries * 10 * 0.9, "recall@10 " + recalled / (queries * 10.0));

      float[] query = all.get(5).retrieval();
      Set<String> allowed = Set.of("Q1001", "Q1002", "Q1003");
      List<SearchHit> only = index.search(query, 10, EntityFilter.only(allowed));
      assertEquals(3, only.size());
      assertTrue(only.stream().allMatch(h -> allowed.contains(h.qid())));
      List<SearchHit> excluded = index.search(query, 5, EntityFilter.excluding(Set.of("Q1005")));
      assertEquals(5, excluded.size());
      assertTrue(excluded.stream().noneMatch(h -> h.qid().equals("Q1005")));
    }
  }

  @Test
  void namesAndAliasesMatchUnderNormalisation() {
    Random random = new Random(5);
    try (EntityIndex index = newBuild()) {
      index.upsert(List.of(
          entity("Q256474", "Stefanie Powers", List.of("Stefania Federkiewicz"), random),
          entity("Q1", "Powers", List.of(), random),
          entity("Q2", "Austin Powers", List.of("Powers"), random),
          entity("Q3", "Beyoncé", List.of("Queen B"), random)));
      index.flush();
      assertEquals(Set.of("Q1", "Q2"), qids(index.lookupByName("POWERS", 10)));
      assertEquals(Set.of("Q256474"), qids(index.lookupByName("Stéfanie  powers!", 10)));
      assertEquals(Set.of("Q256474"), qids(index.lookupByName("stefania federkiewicz", 10)));
      assertEquals(Set.of("Q3"), qids(index.lookupByName("beyonce", 10)));
      assertEquals(1, index.lookupByName("powers", 1).size());
      assertTrue(index.lookupByName("nobody", 10).isEmpty());
    }
  }

  @Test
  void namePartsFindEntitiesByLeadingOrTrailingWords() {
    Random random = new Random(15);
    try (EntityIndex index = newBuild()) {
      index.upsert(List.of(
          entity("Q256474", "Stefanie Powers", List.of("Stefania Federkiewicz"), random),
          entity("Q1", "Powers", List.of(), random),
          entity("Q2", "Fred (footballer, born 1979)", List.of(), random),
          entity("Q3", "John Fitzgerald Kennedy", List.of(), random)));
      index.flush();
      assertEquals(Set.of("Q256474"), qids(index.lookupByNamePart("POWERS", 10)),
          "a whole name is no part of itself");
      assertEquals(Set.of("Q256474"), qids(index.lookupByNamePart("Federkiewicz", 10)));
      assertEquals(Set.of("Q2"), qids(index.lookupByNamePart("fred", 10)));
      assertEquals(Set.of("Q3"), qids(index.lookupByNamePart("john fitzgerald", 10)));
      assertTrue(index.lookupByNamePart("fitzgerald", 10).isEmpty(), "no middle words");
      assertTrue(index.lookupByNamePart("stefanie powers", 10).isEmpty());
      assertTrue(index.lookupByNamePart("?!", 10).isEmpty());
    }
  }

  @Test
  void buildsAreInvisibleUntilPublishedAndPublishingSwitchesReaders() {
    Random random = new Random(6);
    String first = "first_" + buildCounter++;
    builds.add(first);
    try (EntityIndex build = store.openBuild(first, VERSION, SCHEMA)) {
      build.upsert(entities(5, random));
      build.flush();
    }
    assertTrue(store.liveBuildId().isEmpty());
    assertTrue(assertThrows(IllegalStateException.class, () -> store.openLive()).getMessage()
        .contains("no index"));
    store.publish(first);
    assertEquals(first, store.liveBuildId().orElseThrow());
    try (EntityIndex live = store.openLive()) {
      assertEquals(5, live.count());
    }

    String second = "second_" + buildCounter++;
    builds.add(second);
    try (EntityIndex build = store.openBuild(second, "mmoe-fedcba9876543210", SCHEMA)) {
      build.upsert(entities(7, random));
      build.flush();
      try (EntityIndex live = store.openLive()) {
        assertEquals(5, live.count(), "readers still see the published build");
      }
    }
    store.publish(second);
    try (EntityIndex live = store.openLive()) {
      assertEquals(7, live.count());
      assertEquals("mmoe-fedcba9876543210", live.modelVersion());
    }
  }

  @Test
  void reopeningABuildResumesIt() {
    Random random = new Random(7);
    String id = "resume_" + buildCounter++;
    builds.add(id);
    List<EncodedEntity> all = entities(10, random);
    try (EntityIndex build = store.openBuild(id, VERSION, SCHEMA)) {
      build.upsert(all.subList(0, 6));
      build.flush();
    }
    try (EntityIndex build = store.openBuild(id, VERSION, SCHEMA)) {
      assertEquals(6, build.count());
      build.upsert(all.subList(4, 10));
      build.flush();
      assertEquals(10, build.count(), "re-written QIDs are not duplicated");
    }
  }

  @Test
  void badWritesAreRejectedWithTheFieldAndTheLimit() {
    Random random = new Random(8);
    try (EntityIndex index = newBuild()) {
      EncodedEntity good = entity("Q1", "Good", List.of(), random);
      EncodedEntity shortVector = new EncodedEntity(good.record(), new float[3], good.rerank());
      String message = assertThrows(IllegalArgumentException.class,
          () -> index.upsert(List.of(good, shortVector))).getMessage();
      assertTrue(message.contains("Q1.retrieval must hold 40 floats, got 3"), message);
      assertThrows(IllegalArgumentException.class,
          () -> index.search(new float[7], 5, EntityFilter.none()));
      assertThrows(IllegalArgumentException.class,
          () -> index.search(good.retrieval(), 0, EntityFilter.none()));
      assertEquals(0, index.count(), "nothing of a rejected batch is written");
      assertThrows(IllegalArgumentException.class,
          () -> store.openBuild("Bad-Id!", VERSION, SCHEMA));
    }
  }

  @Test
  void anEmptyBuildIsRefusedAndTheLiveIndexStaysAsItWas() {
    String base = finishedBuild("base", 20);
    store.publish(base);
    String empty = finishedBuild("empty", 0);
    PublishRefusedException refused = assertThrows(PublishRefusedException.class,
        () -> store.publish(empty));
    assertEquals(PublishRefusedException.Reason.EMPTY, refused.reason());
    assertTrue(refused.getMessage().contains("build '" + empty + "' holds no entities (the live "
        + "build '" + base + "' holds 20)"), refused.getMessage());
    assertTrue(refused.getMessage().contains("--force"), refused.getMessage());
    assertEquals(base, store.liveBuildId().orElseThrow());
    assertTrue(store.previousBuildId().isEmpty(), "a refusal moves nothing");
    try (EntityIndex live = store.openLive()) {
      assertEquals(20, live.count());
    }
    assertEquals(BuildState.FINISHED, stateOf(empty), "kept, finished but not live");

    store.publish(empty, PublishPolicy.forced());
    assertEquals(empty, store.liveBuildId().orElseThrow());
    assertEquals(base, store.previousBuildId().orElseThrow());
    try (EntityIndex live = store.openLive()) {
      assertEquals(0, live.count());
    }
  }

  @Test
  void aBuildThatShrinksTheLiveIndexTooMuchIsRefusedUnlessAllowedOrForced() {
    String base = finishedBuild("base", 20);
    store.publish(base);
    String smaller = finishedBuild("smaller", 17);
    PublishRefusedException refused = assertThrows(PublishRefusedException.class,
        () -> store.publish(smaller));
    assertEquals(PublishRefusedException.Reason.SHRINKS, refused.reason());
    assertEquals(new BuildCount(smaller, 17), refused.candidate());
    assertEquals(new BuildCount(base, 20), refused.live().orElseThrow());
    assertTrue(refused.getMessage().contains("holds 17 entities, 15.00% fewer than the 20 of "
        + "live build '" + base + "'; a publish may shrink the live index by at most 10.00%"),
        refused.getMessage());
    assertTrue(refused.getMessage().endsWith("--max-shrink 0.15."), refused.getMessage());
    assertEquals(base, store.liveBuildId().orElseThrow());

    store.publish(smaller, PublishPolicy.defaults().withMaxShrink(0.2));
    assertEquals(smaller, store.liveBuildId().orElseThrow());
    String tiny = finishedBuild("tiny", 1);
    assertThrows(PublishRefusedException.class,
        () -> store.publish(tiny, PublishPolicy.defaults().withMaxShrink(0.9)));
    store.publish(tiny, PublishPolicy.forced());
    try (EntityIndex live = store.openLive()) {
      assertEquals(1, live.count());
    }
    String grown = finishedBuild("grown", 19);
    store.publish(grown, PublishPolicy.defaults().withMaxShrink(0));
    assertEquals(grown, store.liveBuildId().orElseThrow(), "growth passes any limit");
  }

  @Test
  void publishingKeepsThePreviousBuildAndRollbackSwapsThem() {
    String first = finishedBuild("first", 3);
    String second = finishedBuild("second", 4);
    String third = finishedBuild("third", 4);
    store.publish(first);
    store.publish(second);
    assertEquals(first, store.previousBuildId().orElseThrow());
    store.publish(third);
    assertEquals(third, store.liveBuildId().orElseThrow());
    assertEquals(second, store.previousBuildId().orElseThrow(), "only one previous is kept");
    assertEquals(BuildState.RETIRED, stateOf(first));

    assertEquals(second, store.rollback());
    assertEquals(second, store.liveBuildId().orElseThrow());
    assertEquals(third, store.previousBuildId().orElseThrow());
    try (EntityIndex live = store.openLive()) {
      assertEquals(4, live.count());
      assertEquals(List.of("Q1000"), live.lookupByName("entity 0", 5).stream()
          .map(EntityRecord::qid).toList(), "the previous build serves whole again");
    }
    assertEquals(third, store.rollback(), "a second rollback undoes the first");
    assertEquals(second, store.previousBuildId().orElseThrow());
    assertEquals(Map.of(first, BuildState.RETIRED, second, BuildState.PREVIOUS, third,
        BuildState.LIVE), states());
  }

  @Test
  void rollbackWithoutAPreviousBuildFailsAndChangesNothing() {
    String nothing = assertThrows(IllegalStateException.class, () -> store.rollback())
        .getMessage();
    assertTrue(nothing.contains("nothing to roll back"), nothing);
    String only = finishedBuild("only", 2);
    store.publish(only);
    String none = assertThrows(IllegalStateException.class, () -> store.rollback())
        .getMessage();
    assertTrue(none.contains("no previous build to roll back to") && none.contains(only), none);
    assertEquals(only, store.liveBuildId().orElseThrow());

    String next = finishedBuild("next", 2);
    store.publish(next);
    store.dropBuild(only);
    assertTrue(store.previousBuildId().isEmpty(), "a dropped previous build is forgotten");
    assertThrows(IllegalStateException.class, () -> store.rollback());
    assertEquals(next, store.liveBuildId().orElseThrow());
  }

  @Test
  void buildsListsEveryBuildWithItsStateCountAndModelVersion() {
    String retired = finishedBuild("retired", 2);
    String previous = finishedBuild("previous_one", 3);
    String live = finishedBuild("live_one", 3);
    for (String id : List.of(retired, previous, live)) {
      store.publish(id);
    }
    String refused = finishedBuild("refused", 0);
    assertThrows(PublishRefusedException.class, () -> store.publish(refused));
    String unfinished = finishedBuild("unfinished", 5);

    List<BuildInfo> listed = store.builds();
    assertEquals(Map.of(retired, BuildState.RETIRED, previous, BuildState.PREVIOUS, live,
        BuildState.LIVE, refused, BuildState.FINISHED, unfinished, BuildState.UNFINISHED),
        states());
    Map<String, BuildInfo> byId = listed.stream()
        .collect(Collectors.toMap(BuildInfo::buildId, b -> b));
    assertEquals(2, byId.get(retired).entities().orElseThrow());
    assertEquals(3, byId.get(live).entities().orElseThrow());
    assertEquals(0, byId.get(refused).entities().orElseThrow());
    assertEquals(5, byId.get(unfinished).entities().orElseThrow());
    for (BuildInfo build : listed) {
      assertEquals(VERSION, build.modelVersion().orElseThrow(), build.buildId());
      assertTrue(build.created().isPresent() && build.lastWritten().isPresent(),
          build.toString());
    }
    assertEquals(List.of(retired, previous, live, refused, unfinished),
        listed.stream().map(BuildInfo::buildId).toList(), "oldest first");

    store.openBuild(refused, VERSION, SCHEMA).close();
    assertEquals(BuildState.UNFINISHED, stateOf(refused),
        "reopened for writing, a build is unfinished until published again");
  }

  @Test
  void gcRemovesWhatIsNeitherLiveNorPreviousOnceUnwrittenForTheMinimumAge() throws Exception {
    String retired = finishedBuild("retired", 2);
    String previous = finishedBuild("previous_one", 3);
    String live = finishedBuild("live_one", 3);
    for (String id : List.of(retired, previous, live)) {
      store.publish(id);
    }
    String refused = finishedBuild("refused", 0);
    assertThrows(PublishRefusedException.class, () -> store.publish(refused));
    String unfinished = finishedBuild("unfinished", 5);

    assertEquals(List.of(), store.gc(Duration.ofHours(1)),
        "every build was written within the hour: its job may still be running");
    assertEquals(5, store.builds().size());

    Thread.sleep(50);
    List<BuildInfo> removed = store.gc(Duration.ZERO);
    assertEquals(Map.of(retired, BuildState.RETIRED, refused, BuildState.FINISHED, unfinished,
        BuildState.UNFINISHED), removed.stream()
            .collect(Collectors.toMap(BuildInfo::buildId, BuildInfo::state)));
    assertEquals(Map.of(previous, BuildState.PREVIOUS, live, BuildState.LIVE), states());
    try (EntityIndex index = store.openLive()) {
      assertEquals(3, index.count());
    }
    assertEquals(previous, store.rollback(), "the previous build is whole");
    assertEquals(List.of(), store.gc(Duration.ZERO), "nothing left to remove");
  }

  @Test
  void gcRefusesANegativeMinimumAge() {
    String message = assertThrows(IllegalArgumentException.class,
        () -> store.gc(Duration.ofMinutes(-1))).getMessage();
    assertTrue(message.startsWith("min_age must be >= 0"), message);
  }

  protected Map<String, BuildState> states() {
    return store.builds().stream()
        .collect(Collectors.toMap(BuildInfo::buildId, BuildInfo::state));
  }

  protected BuildState stateOf(String buildId) {
    return store.builds().stream().filter(b -> b.buildId().equals(buildId)).findFirst()
        .orElseThrow(() -> new AssertionError(buildId + " is not listed")).state();
  }

  private static Set<String> qids(List<EntityRecord> records) {
    return Set.copyOf(records.stream().map(EntityRecord::qid).toList());
  }

  private static void assertClose(float[] expected, float[] actual, double relative) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], relative * Math.max(1, Math.abs(expected[i])),
          "at " + i);
    }
  }
}
