package dev.mmel.retriever.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.BuildState;
import dev.mmel.retriever.EntityFilter;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexContract;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared contract on a fresh directory, and what only a directory-backed store has. */
class EmbeddedEntityIndexStoreTest extends EntityIndexContract {

  @TempDir
  Path root;

  @Override
  protected EntityIndexStore newStore() {
    return new EmbeddedEntityIndexStore(root);
  }

  private static List<EncodedEntity> entities(int from, int to, Random random) {
    List<EncodedEntity> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(entity("Q" + i, "Entity " + i, List.of(), random));
    }
    return out;
  }

  private Path buildDir(String buildId) {
    return root.resolve("builds").resolve(buildId);
  }

  @Test
  void flushedDataSurvivesClosingAndReopeningTheStore() {
    Random random = new Random(20);
    List<EncodedEntity> all = entities(0, 30, random);
    try (EntityIndex build = store.openBuild("durable", VERSION, SCHEMA)) {
      build.upsert(all);
      build.flush();
    }
    store.publish("durable");
    store.close();

    store = new EmbeddedEntityIndexStore(root);
    assertEquals("durable", store.liveBuildId().orElseThrow());
    try (EntityIndex live = store.openLive()) {
      assertEquals(30, live.count());
      assertEquals(VERSION, live.modelVersion());
      assertEquals(SCHEMA, live.schema());
      assertEquals(all.get(7).record(), live.records(List.of("Q7")).get("Q7"));
      assertEquals("Q7", live.search(all.get(7).retrieval(), 1, EntityFilter.none()).get(0).qid());
    }
  }

  @Test
  void aPublishedBuildIsOneSegmentHoldingEveryLiveEntity() throws IOException {
    Random random = new Random(25);
    List<EncodedEntity> all = entities(0, 30, random);
    try (EntityIndex build = store.openBuild("merged", VERSION, SCHEMA)) {
      for (int from = 0; from < 30; from += 10) {
        build.upsert(all.subList(from, from + 10));
        build.flush();
      }
      build.delete(List.of("Q3"));
      build.flush();
    }
    assertEquals(3, segments("merged"), "each flush wrote a segment");

    store.publish("merged");

    assertEquals(1, segments("merged"));
    try (EntityIndex live = store.openLive()) {
      assertEquals(29, live.count());
      assertTrue(live.records(List.of("Q3")).isEmpty());
      // The merged graph is built by one worker per processor: every entity must be in it.
      for (EncodedEntity entity : all) {
        String qid = entity.record().qid();
        if (!qid.equals("Q3")) {
          assertEquals(qid, live.search(entity.retrieval(), 1, EntityFilter.none()).get(0).qid());
        }
      }
    }
    assertTrue(Thread.getAllStackTraces().keySet().stream()
            .noneMatch(thread -> thread.getName().startsWith("mmel-hnsw-merge-merged")),
        "the publish's merge workers stopped with it");
  }

  private int segments(String buildId) throws IOException {
    try (Directory directory = FSDirectory.open(buildDir(buildId).resolve("lucene"));
        DirectoryReader reader = DirectoryReader.open(directory)) {
      return reader.leaves().size();
    }
  }

  @Test
  void publishingKeepsThePreviousBuildOnDiskBehindItsOwnPointer() throws IOException {
    Random random = new Random(21);
    for (String id : List.of("one", "two", "three")) {
      try (EntityIndex build = store.openBuild(id, VERSION, SCHEMA)) {
        build.upsert(entities(0, 3, random));
      }
    }
    store.publish("one");
    assertFalse(Files.exists(root.resolve("PREVIOUS")), "nothing was live before the first");
    store.publish("two");
    assertEquals("two\n", Files.readString(root.resolve("LIVE")));
    assertEquals("one\n", Files.readString(root.resolve("PREVIOUS")));
    store.publish("three");
    assertEquals("two\n", Files.readString(root.resolve("PREVIOUS")));
    for (String id : List.of("one", "two", "three")) {
      assertTrue(Files.exists(buildDir(id).resolve("complete.properties")), id);
    }
    store.publish("three");
    assertEquals("two\n", Files.readString(root.resolve("PREVIOUS")),
        "publishing the live build again changes nothing");
    store.dropBuild("one");
    assertFalse(Files.exists(buildDir("one")));
    store.dropBuild("never_built");
  }

  @Test
  void readersOfTheOldLiveBuildKeepTheirViewUntilTheyReopen() {
    Random random = new Random(22);
    try (EntityIndex build = store.openBuild("old", VERSION, SCHEMA)) {
      build.upsert(entities(0, 4, random));
    }
    store.publish("old");
    try (EntityIndex live = store.openLive()) {
      try (EntityIndex build = store.openBuild("new", VERSION, SCHEMA)) {
        build.upsert(entities(0, 9, random));
      }
      store.publish("new");
      assertEquals(4, live.count());
      assertEquals(4, live.search(vector(random, SCHEMA.retrievalDim()), 10, EntityFilter.none())
          .size());
      live.flush();
      assertEquals(4, live.count(), "the old build is kept as the previous one");
      store.dropBuild("old");
      String message = assertThrows(IllegalStateException.class, live::flush).getMessage();
      assertTrue(message.contains("open the live index again"), message);
    }
    try (EntityIndex live = store.openLive()) {
      assertEquals(9, live.count());
    }
  }

  @Test
  void theLiveIndexCanBeUpdatedInPlaceAndOtherHandlesSeeIt() throws Exception {
    Random random = new Random(23);
    try (EntityIndex build = store.openBuild("live", VERSION, SCHEMA)) {
      build.upsert(entities(0, 5, random));
    }
    store.publish("live");
    try (EntityIndex reader = store.openLive(); EntityIndex refresher = store.openLive()) {
      refresher.upsert(entities(5, 8, random));
      refresher.delete(List.of("Q0"));
      refresher.flush();
      assertEquals(7, refresher.count());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (reader.count() != 7 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(7, reader.count(), "a reader picks up another handle's commit by itself");
      String message = assertThrows(IllegalStateException.class,
          () -> reader.upsert(entities(8, 9, random))).getMessage();
      assertTrue(message.contains("already open for writing"), message);
      message = assertThrows(IllegalStateException.class, () -> {
        try (EntityIndex build = store.openBuild("next", VERSION, SCHEMA)) {
          build.flush();
        }
        store.publish("next");
      }).getMessage();
      assertTrue(message.contains("close it before publishing"), message);
    }
    store.publish("next", PublishPolicy.forced());
  }

  @Test
  void aBuildHasOneWriterAndAnOpenBuildCannotBeDropped() {
    try (EntityIndex build = store.openBuild("busy", VERSION, SCHEMA)) {
      String message = assertThrows(IllegalStateException.class,
          () -> store.openBuild("busy", VERSION, SCHEMA)).getMessage();
      assertTrue(message.contains("already open for writing"), message);
      try (EmbeddedEntityIndexStore other = new EmbeddedEntityIndexStore(root)) {
        assertThrows(IllegalStateException.class, () -> other.openBuild("busy", VERSION, SCHEMA));
      }
      message = assertThrows(IllegalStateException.class, () -> store.dropBuild("busy"))
          .getMessage();
      assertTrue(message.contains("close it before dropping it"), message);
    }
    store.dropBuild("busy");
  }

  @Test
  void reopeningABuildForAnotherSchemaOrModelVersionFails() {
    try (EntityIndex build = store.openBuild("shaped", VERSION, SCHEMA)) {
      build.flush();
    }
    IndexSchema wider = new IndexSchema(SCHEMA.retrievalDim() + 1, SCHEMA.hiddenDim(),
        SCHEMA.textPositions(), SCHEMA.imagePositions());
    String message = assertThrows(IllegalStateException.class,
        () -> store.openBuild("shaped", VERSION, wider)).getMessage();
    assertTrue(message.contains("retrievalDim=40") && message.contains("retrievalDim=41"),
        message);
    message = assertThrows(IllegalStateException.class,
        () -> store.openBuild("shaped", "mmoe-other", SCHEMA)).getMessage();
    assertTrue(message.contains(VERSION) && message.contains("mmoe-other"), message);
    store.openBuild("shaped", VERSION, SCHEMA).close();
  }

  @Test
  void theLiveBuildCannotBeDropped() {
    try (EntityIndex build = store.openBuild("current", VERSION, SCHEMA)) {
      build.upsert(entities(0, 1, new Random(26)));
    }
    store.publish("current");
    String message = assertThrows(IllegalStateException.class, () -> store.dropBuild("current"))
        .getMessage();
    assertTrue(message.contains("'current' is live"), message);
    assertTrue(Files.exists(buildDir("current")));
  }

  @Test
  void badBuildIdsAndMissingBuildsAreNamed() {
    String message = assertThrows(IllegalArgumentException.class,
        () -> store.openBuild("Bad-Id!", VERSION, SCHEMA)).getMessage();
    assertTrue(message.contains("'Bad-Id!'") && message.contains(EntityIndexStore.BUILD_ID),
        message);
    assertThrows(IllegalArgumentException.class, () -> store.publish("x".repeat(41)));
    message = assertThrows(IllegalArgumentException.class, () -> store.publish("absent"))
        .getMessage();
    assertTrue(message.contains("no build 'absent'"), message);
    message = assertThrows(IllegalStateException.class, () -> store.openLive()).getMessage();
    assertTrue(message.contains("no index") && message.contains("mmel index build"), message);
  }

  @Test
  void aPointerToAMissingBuildFailsClearly() throws IOException {
    Files.writeString(root.resolve("LIVE"), "vanished\n");
    String message = assertThrows(IllegalStateException.class, () -> store.openLive())
        .getMessage();
    assertTrue(message.contains("'vanished'") && message.contains("mmel index build"), message);
    Files.writeString(root.resolve("LIVE"), "not a build id\n");
    message = assertThrows(IllegalStateException.class, () -> store.liveBuildId()).getMessage();
    assertTrue(message.contains("not a build id"), message);
  }

  /**
   * A copy of the directory taken while a writer is open is what a killed process leaves: the
   * write.lock file (Lucene keeps it on disk; the OS lock died with the process) and writes that
   * were never committed. Reopening sees the last commit and can write again.
   */
  @Test
  void aBuildLeftByAKilledWriterReopensAtItsLastCommit(@TempDir Path crashed) throws IOException {
    Random random = new Random(24);
    try (EntityIndex build = store.openBuild("crashy", VERSION, SCHEMA)) {
      build.upsert(entities(0, 6, random));
      build.flush();
      build.upsert(entities(6, 10, random));
      copyTree(root, crashed);
    }
    assertTrue(Files.exists(crashed.resolve("builds/crashy/lucene/write.lock")));
    try (EmbeddedEntityIndexStore restarted = new EmbeddedEntityIndexStore(crashed);
        EntityIndex build = restarted.openBuild("crashy", VERSION, SCHEMA)) {
      assertEquals(6, build.count(), "only what was flushed");
      build.upsert(entities(6, 10, random));
      build.flush();
      assertEquals(10, build.count());
    }
  }

  @Test
  void closingTheStoreClosesWhatItOpened() {
    EntityIndex build = store.openBuild("left_open", VERSION, SCHEMA);
    build.upsert(entities(0, 2, new Random(25)));
    store.close();
    assertThrows(IllegalStateException.class, build::count);
    assertThrows(IllegalStateException.class, () -> store.openBuild("again", VERSION, SCHEMA));
    store = new EmbeddedEntityIndexStore(root);
    try (EntityIndex reopened = store.openBuild("left_open", VERSION, SCHEMA)) {
      assertEquals(2, reopened.count(), "closing commits what was written");
    }
  }

  @Test
  void aDropInterruptedHalfWayLeavesOnlyTrashThatTheNextStoreClears() throws IOException {
    Path trash = root.resolve("trash").resolve("gone-123");
    Files.createDirectories(trash.resolve("lucene"));
    Files.writeString(trash.resolve("lucene").resolve("_0.cfs"), "x");
    new EmbeddedEntityIndexStore(root).close();
    try (Stream<Path> left = Files.list(root.resolve("trash"))) {
      assertEquals(0, left.count());
    }
  }

  @Test
  void buildsReportTheirSizeOnDisk() throws IOException {
    try (EntityIndex build = store.openBuild("sized", VERSION, SCHEMA)) {
      build.upsert(entities(0, 30, new Random(27)));
    }
    long bytes;
    try (Stream<Path> files = Files.walk(buildDir("sized"))) {
      bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    BuildInfo sized = store.builds().get(0);
    assertEquals(bytes, sized.bytesOnDisk().orElseThrow());
    assertTrue(bytes > 30 * SCHEMA.retrievalDim() * 4, "the vectors alone take more: " + bytes);
  }

  /**
   * What a build job killed mid-way leaves: the last commit, the write.lock file whose OS lock
   * died with the process, and no completion marker. It is unfinished, holds what was
   * committed, and gc removes it once it is older than the minimum age.
   */
  @Test
  void aBuildLeftByAKilledJobIsListedUnfinishedAndCollectedOnceOldEnough(@TempDir Path crashed)
      throws IOException {
    Random random = new Random(28);
    try (EntityIndex build = store.openBuild("killed", VERSION, SCHEMA)) {
      build.upsert(entities(0, 6, random));
      build.flush();
      build.upsert(entities(6, 10, random));
      copyTree(root, crashed);
    }
    store.close();
    store = new EmbeddedEntityIndexStore(crashed);
    BuildInfo killed = store.builds().get(0);
    assertEquals("killed", killed.buildId());
    assertEquals(BuildState.UNFINISHED, killed.state());
    assertEquals(6, killed.entities().orElseThrow(), "what was committed");
    assertEquals(List.of(), store.gc(Duration.ofMinutes(10)), "written just now");
    age(crashed.resolve("builds/killed"), Duration.ofMinutes(11));
    assertEquals(List.of("killed"), ids(store.gc(Duration.ofMinutes(10))));
    assertFalse(Files.exists(crashed.resolve("builds/killed")));
  }

  @Test
  void aBuildKilledBeforeItRecordedItsModelIsUnfinishedToo() throws IOException {
    Files.createDirectories(buildDir("stillborn"));
    BuildInfo stillborn = store.builds().get(0);
    assertEquals(BuildState.UNFINISHED, stillborn.state());
    assertEquals(Optional.empty(), stillborn.modelVersion());
    assertTrue(stillborn.entities().isEmpty());
    assertEquals(List.of("stillborn"), ids(store.gc(Duration.ZERO)));
  }

  @Test
  void gcSparesABuildThatIsOpenForWritingWhateverItsAge() throws IOException {
    try (EntityIndex build = store.openBuild("running", VERSION, SCHEMA)) {
      build.upsert(entities(0, 3, new Random(29)));
      build.flush();
      age(buildDir("running"), Duration.ofDays(1));
      assertEquals(List.of(), store.gc(Duration.ofMinutes(10)));
      try (EmbeddedEntityIndexStore other = new EmbeddedEntityIndexStore(root)) {
        assertEquals(List.of(), other.gc(Duration.ZERO), "nor does another store on the root");
      }
    }
    assertEquals(List.of("running"), ids(store.gc(Duration.ofMinutes(10))));
  }

  @Test
  void gcGoesByTheLastWriteNotByTheCreation() throws IOException {
    Random random = new Random(30);
    try (EntityIndex build = store.openBuild("slow", VERSION, SCHEMA)) {
      build.upsert(entities(0, 3, random));
    }
    age(buildDir("slow"), Duration.ofHours(3));
    try (EntityIndex build = store.openBuild("slow", VERSION, SCHEMA)) {
      build.upsert(entities(3, 6, random));
    }
    BuildInfo slow = store.builds().get(0);
    assertTrue(slow.created().orElseThrow().isBefore(Instant.now().minus(Duration.ofHours(2))),
        slow.toString());
    assertEquals(List.of(), store.gc(Duration.ofHours(1)), "written a moment ago");
    age(buildDir("slow"), Duration.ofMinutes(61));
    assertEquals(List.of("slow"), ids(store.gc(Duration.ofHours(1))));
  }

  @Test
  void anInterruptedPublishLeavesNoPreviousBuildThatIsLive() throws IOException {
    try (EntityIndex build = store.openBuild("only", VERSION, SCHEMA)) {
      build.upsert(entities(0, 2, new Random(31)));
    }
    store.publish("only");
    // PREVIOUS is written first: a crash before LIVE leaves both naming the live build.
    Files.writeString(root.resolve("PREVIOUS"), "only\n");
    assertEquals(Optional.empty(), store.previousBuildId());
    assertEquals(BuildState.LIVE, store.builds().get(0).state());
    assertThrows(IllegalStateException.class, () -> store.rollback());
  }

  private static List<String> ids(List<BuildInfo> builds) {
    return builds.stream().map(BuildInfo::buildId).toList();
  }

  /** Sets back the modification time of everything under {@code dir} by {@code age}. */
  private static void age(Path dir, Duration age) throws IOException {
    FileTime then = FileTime.from(Instant.now().minus(age));
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.toList()) {
        Files.setLastModifiedTime(path, then);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
  }
}
