package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.RerankFeatures;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.pipeline.EncoderSettings;
import dev.mmel.pipeline.EntityEmbeddingJob;
import dev.mmel.retriever.BuildInfo;
import dev.mmel.retriever.BuildState;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.retriever.PublishRefusedException;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel index` as a user runs it: found by the CLI, builds, publishes, reports; refuses to
 * publish builds that would empty or shrink the live index, rolls back, lists and collects
 * builds. The safe-publishing cases start from a copy of one index built here once ("base", 40
 * entities), so only the builds under test run Flink.
 */
class IndexCommandIT {
  private static final int BASE_ENTITIES = 40;

  @TempDir
  static Path shared;

  private static Path model;
  private static List<String> kbLines;
  private static Path baseIndex;
  private static EntityEmbeddingJob.ModelInfo modelInfo;

  @BeforeAll
  static void modelAndBaseIndex() throws Exception {
    model = shared.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 1,
        SharedData.file(SharedData.CLIP_VOCAB), model);
    modelInfo = EntityEmbeddingJob.ModelInfo.of(new EncoderSettings(model.toString(), 8, 1,
        "cpu"));
    kbLines = new ArrayList<>();
    for (int i = 0; i < BASE_ENTITIES; i++) {
      kbLines.add("{\"qid\":\"Q" + (i + 1) + "\",\"name\":\"Entity " + i
          + "\",\"description\":\"number " + i + "\"}");
    }
    baseIndex = shared.resolve("base-index");
    CliRun base = build(kb("base-kb.jsonl", kbLines), baseIndex, "base");
    assertEquals(0, base.code(), base.printed());
  }

  private static Path kb(String name, List<String> lines) throws IOException {
    return Files.write(shared.resolve(name), lines);
  }

  private static CliRun build(Path kb, Path index, String buildId, String... more) {
    List<String> args = new ArrayList<>(List.of("index", "build", "--kb", kb.toString(),
        "--model", model.toString(), "--index", index.toString(), "--build-id", buildId,
        "--batch", "16", "--checkpoint-interval", "500ms"));
    args.addAll(Arrays.asList(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** A fresh copy of the base index: "base" live, nothing else. */
  private static Path copyOfBase(Path dir) throws IOException {
    Path index = dir.resolve("index");
    try (Stream<Path> paths = Files.walk(baseIndex)) {
      for (Path path : paths.toList()) {
        Path target = index.resolve(baseIndex.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
    return index;
  }

  @Test
  void buildsAndPublishesAnIndexFromTheCommandLine(@TempDir Path dir) throws Exception {
    List<String> lines = new ArrayList<>(kbLines);
    lines.add("{\"qid\":\"Q999\",\"name\":\"\"}");
    Path index = dir.resolve("index");

    CliRun run = build(Files.write(dir.resolve("kb.jsonl"), lines), index, "cli_build");
    String stderr = run.err();
    assertEquals(0, run.code(), run.printed());
    assertEquals("cli_build", run.lastLine(), "the build id is the last line");
    assertTrue(stderr.contains("published cli_build: 40 entities indexed"), stderr);
    assertTrue(stderr.contains("1 malformed record skipped"), stderr);
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals(40, live.count());
      assertEquals(1, live.lookupByName("entity 7", 5).size());
    }
  }

  @Test
  void anEmptyKbIsRefusedAndTheLiveIndexStaysUntouched(@TempDir Path dir) throws Exception {
    Path index = copyOfBase(dir);
    Path broken = kb("broken-kb.jsonl", List.of("{broken json", "{\"qid\":\"Q1\"}"));

    CliRun run = build(broken, index, "empty_kb");
    assertEquals(IndexCommand.Build.REFUSED, run.code(), run.printed());
    assertEquals("", run.out(), "no build id: nothing was published");
    assertTrue(run.err().contains("error: publishing refused: build 'empty_kb' holds no "
        + "entities (the live build 'base' holds 40)"), run.printed());
    assertTrue(run.err().contains("use --force"), run.printed());
    assertTrue(run.err().contains("run this command again with --build-id empty_kb"),
        run.printed());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals("base", store.liveBuildId().orElseThrow());
      assertEquals(BASE_ENTITIES, live.count());
      assertTrue(store.previousBuildId().isEmpty());
    }
    assertEquals(List.of("base live 40", "empty_kb finished 0"), listed(index));
  }

  @Test
  void aMuchSmallerKbIsRefusedThenPublishedWithForce(@TempDir Path dir) throws Exception {
    Path index = copyOfBase(dir);
    Path small = kb("small-kb.jsonl", kbLines.subList(0, 2));

    CliRun refused = build(small, index, "small");
    assertEquals(IndexCommand.Build.REFUSED, refused.code(), refused.printed());
    assertTrue(refused.err().contains("build 'small' holds 2 entities, 95.00% fewer than the 40 "
        + "of live build 'base'; a publish may shrink the live index by at most 10.00%"),
        refused.printed());
    assertTrue(refused.err().contains("--max-shrink 0.95"), refused.printed());
    assertTrue(refused.err().contains("did not publish it: 2 entities indexed"),
        refused.printed());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals(BASE_ENTITIES, live.count(), "the live index keeps its 40 entities");
    }

    CliRun forced = build(small, index, "small", "--force");
    assertEquals(0, forced.code(), forced.printed());
    assertEquals("small", forced.lastLine());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals("small", store.liveBuildId().orElseThrow());
      assertEquals(2, live.count());
      assertEquals("base", store.previousBuildId().orElseThrow());
    }
  }

  @Test
  void rollbackRestoresThePreviousBuild(@TempDir Path dir) throws Exception {
    Path index = copyOfBase(dir);
    publishSmallBuild(index, "second", 3, PublishPolicy.forced());

    CliRun back = CliRun.of("index", "rollback", "--index", index.toString());
    assertEquals(0, back.code(), back.printed());
    assertEquals("base", back.lastLine());
    assertTrue(back.err().contains("base is live again; second is now the previous build"),
        back.printed());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals("base", store.liveBuildId().orElseThrow());
      assertEquals(BASE_ENTITIES, live.count());
      assertEquals(1, live.lookupByName("entity 7", 5).size());
      assertEquals("second", store.previousBuildId().orElseThrow());
    }

    CliRun again = CliRun.of("index", "rollback", "--index", index.toString());
    assertEquals(0, again.code(), again.printed());
    assertEquals("second", again.lastLine(), "a second rollback undoes the first");
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals(3, live.count());
    }
  }

  @Test
  void rollbackWithoutAPreviousBuildFailsAndSaysWhy(@TempDir Path dir) throws Exception {
    Path index = copyOfBase(dir);
    CliRun run = CliRun.of("index", "rollback", "--index", index.toString());
    assertEquals(1, run.code(), run.printed());
    assertTrue(run.err().contains("error: there is no previous build to roll back to")
        && run.err().contains("build 'base' is live"), run.printed());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index)) {
      assertEquals("base", store.liveBuildId().orElseThrow());
    }
  }

  /**
   * Every state at once: base retired, second previous, third live, an empty build refused
   * (finished), a build left by a killed job and one still being written (unfinished). gc with
   * its default minimum age removes only what nobody wrote for 10 minutes and is neither live
   * nor previous, however old those two are.
   */
  @Test
  void gcRemovesAKilledBuildAndLeavesLiveAndPreviousAlone(@TempDir Path dir) throws Exception {
    Path index = copyOfBase(dir);
    publishSmallBuild(index, "second", 3, PublishPolicy.forced());
    publishSmallBuild(index, "third", 3, PublishPolicy.defaults());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index)) {
      store.openBuild("refused", modelInfo.version(), modelInfo.schema()).close();
      try {
        store.publish("refused");
      } catch (PublishRefusedException expected) {
        // what leaves a finished build that is not live
      }
      try (EntityIndex running = store.openBuild("running", modelInfo.version(),
          modelInfo.schema())) {
        running.upsert(List.of(entity("Q1"), entity("Q2")));
      }
    }
    leaveKilledBuild(dir.resolve("scratch"), index, "killed");
    for (String id : List.of("killed", "base", "second", "third")) {
      age(index.resolve("builds").resolve(id), Duration.ofHours(1));
    }

    Map<String, String> before = new LinkedHashMap<>();
    for (String row : listed(index)) {
      before.put(row.split(" ")[0], row);
    }
    assertEquals(Map.of("base", "base retired 40", "second", "second previous 3",
        "third", "third live 3", "refused", "refused finished 0",
        "running", "running unfinished 2", "killed", "killed unfinished 2"), before);

    CliRun gc = CliRun.of("index", "gc", "--index", index.toString());
    assertEquals(0, gc.code(), gc.printed());
    assertEquals(List.of("base", "killed"), rowIds(gc.out()).stream().sorted().toList(),
        gc.printed());
    assertTrue(gc.err().contains("removed 2 builds"), gc.printed());
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index)) {
      assertEquals(Map.of("second", BuildState.PREVIOUS, "third", BuildState.LIVE,
          "refused", BuildState.FINISHED, "running", BuildState.UNFINISHED),
          store.builds().stream().collect(Collectors.toMap(BuildInfo::buildId,
              BuildInfo::state)));
    }
    assertFalse(Files.exists(index.resolve("builds/killed")));

    CliRun all = CliRun.of("index", "gc", "--index", index.toString(), "--min-age", "0s");
    assertEquals(0, all.code(), all.printed());
    assertEquals(List.of("refused", "running"), rowIds(all.out()).stream().sorted().toList());
    assertEquals(List.of("second previous 3", "third live 3"), listed(index));
    CliRun nothing = CliRun.of("index", "gc", "--index", index.toString());
    assertTrue(nothing.out().startsWith("nothing to remove"), nothing.printed());
  }

  @Test
  void badOptionsAreReportedWithWhatToDo(@TempDir Path dir) throws Exception {
    Path kb = Files.writeString(dir.resolve("kb.jsonl"), "{\"qid\":\"Q1\",\"name\":\"x\"}\n");
    CliRun duration = CliRun.of("index", "build", "--kb", kb.toString(),
        "--checkpoint-interval", "soon");
    assertEquals(2, duration.code(), duration.printed());
    assertTrue(duration.err().contains("--checkpoint-interval")
        && duration.err().contains("'soon' is not a duration such as 500ms"), duration.printed());

    Path typo = dir.resolve("no-such-model");
    CliRun model = CliRun.of("index", "build", "--kb", kb.toString(), "--model",
        typo.toString(), "--index", dir.resolve("index").toString());
    assertEquals(1, model.code(), model.printed());
    assertTrue(model.err().contains("is not a model directory"), model.printed());
    assertTrue(Files.notExists(typo), "a mistyped --model must not be created");

    CliRun shrink = CliRun.of("index", "build", "--kb", kb.toString(), "--max-shrink", "1.5");
    assertEquals(2, shrink.code(), shrink.printed());
    assertTrue(shrink.err().contains("--max-shrink: max_shrink must be within [0, 1]")
        && shrink.err().contains("got 1.5"), shrink.printed());

    CliRun age = CliRun.of("index", "gc", "--index", dir.toString(), "--min-age", "-5m");
    assertEquals(2, age.code(), age.printed());
    assertTrue(age.err().contains("--min-age: min_age must be >= 0"), age.printed());

    Path missing = dir.resolve("no-such-index");
    for (String command : List.of("list", "rollback", "gc")) {
      CliRun run = CliRun.of("index", command, "--index", missing.toString());
      assertEquals(1, run.code(), run.printed());
      assertTrue(run.err().contains("there is no entity index in " + missing), run.printed());
    }
    assertTrue(Files.notExists(missing), "a mistyped --index must not be created");
  }

  /** `mmel index list` rows as "id state entities". */
  private static List<String> listed(Path index) {
    CliRun list = CliRun.of("index", "list", "--index", index.toString());
    assertEquals(0, list.code(), list.printed());
    String[] lines = list.out().strip().split("\n");
    assertTrue(lines[0].startsWith("BUILD") && lines[0].contains("MODEL VERSION"), list.out());
    List<String> rows = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String[] cells = lines[i].trim().split("\\s{2,}");
      assertEquals(modelInfo.version(), cells[3], lines[i]);
      rows.add(cells[0] + " " + cells[1] + " " + cells[2]);
    }
    return rows;
  }

  private static List<String> rowIds(String table) {
    return Arrays.stream(table.strip().split("\n")).skip(1).map(l -> l.split("\\s+")[0])
        .toList();
  }

  /** Publishes a build of {@code n} random entities written through the library. */
  private static void publishSmallBuild(Path index, String buildId, int n,
      PublishPolicy policy) {
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index)) {
      try (EntityIndex build = store.openBuild(buildId, modelInfo.version(),
          modelInfo.schema())) {
        List<EncodedEntity> entities = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          entities.add(entity("Q" + (100 + i)));
        }
        build.upsert(entities);
      }
      store.publish(buildId, policy);
    }
  }

  /**
   * What a job killed mid-build leaves: the last commit, the write.lock file whose OS lock died
   * with the process, and no completion marker. Made by copying a build while its writer is
   * open, then moved into the index.
   */
  private static void leaveKilledBuild(Path scratch, Path index, String buildId)
      throws IOException {
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(scratch);
        EntityIndex build = store.openBuild(buildId, modelInfo.version(), modelInfo.schema())) {
      build.upsert(List.of(entity("Q1"), entity("Q2")));
      build.flush();
      build.upsert(List.of(entity("Q3")));
      Path from = scratch.resolve("builds").resolve(buildId);
      Path to = index.resolve("builds").resolve(buildId);
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
    assertTrue(Files.exists(index.resolve("builds").resolve(buildId).resolve(
        "lucene/write.lock")));
  }

  private static void age(Path dir, Duration age) throws IOException {
    FileTime then = FileTime.from(Instant.now().minus(age));
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.toList()) {
        Files.setLastModifiedTime(path, then);
      }
    }
  }

  private static EncodedEntity entity(String qid) {
    IndexSchema schema = modelInfo.schema();
    Random random = new Random(qid.hashCode());
    return new EncodedEntity(new EntityRecord(qid, "name " + qid, List.of(), "", null),
        gaussian(random, schema.retrievalDim()), new RerankFeatures(
            gaussian(random, schema.hiddenDim()),
            gaussian(random, schema.textPositions() * schema.hiddenDim()),
            gaussian(random, schema.hiddenDim()),
            gaussian(random, schema.imagePositions() * schema.hiddenDim())));
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
