package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `mmel index build` as a user runs it: found by the CLI, builds, publishes, reports. */
class IndexCommandIT {

  @Test
  void buildsAndPublishesAnIndexFromTheCommandLine(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 1, SharedData.file(SharedData.CLIP_VOCAB), model);
    Path kb = dir.resolve("kb.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add("{\"qid\":\"Q" + (i + 1) + "\",\"name\":\"Entity " + i
          + "\",\"description\":\"number " + i + "\"}");
    }
    lines.add("{\"qid\":\"Q999\",\"name\":\"\"}");
    Files.write(kb, lines);
    Path index = dir.resolve("index");

    CliRun run = CliRun.of("index", "build", "--kb", kb.toString(), "--model",
        model.toString(), "--index", index.toString(), "--build-id", "cli_build", "--batch", "16",
        "--checkpoint-interval", "500ms");
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
  }
}
