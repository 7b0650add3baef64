package dev.mmel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.cli.MmelCli;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 1, model);
    Path kb = dir.resolve("kb.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add("{\"qid\":\"Q" + (i + 1) + "\",\"name\":\"Entity " + i
          + "\",\"description\":\"number " + i + "\"}");
    }
    lines.add("{\"qid\":\"Q999\",\"name\":\"\"}");
    Files.write(kb, lines);
    Path index = dir.resolve("index");

    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = MmelCli.commandLine().execute("index", "build", "--kb", kb.toString(),
          "--model", model.toString(), "--index", index.toString(), "--build-id", "cli_build",
          "--batch", "16", "--checkpoint-interval", "500ms");
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, stderr);
    String[] stdout = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals("cli_build", stdout[stdout.length - 1], "the build id is the last line");
    assertTrue(stderr.contains("published cli_build: 40 entities indexed"), stderr);
    assertTrue(stderr.contains("1 malformed records skipped"), stderr);
    try (EntityIndexStore store = new EmbeddedEntityIndexStore(index);
        EntityIndex live = store.openLive()) {
      assertEquals(40, live.count());
      assertEquals(1, live.lookupByName("entity 7", 5).size());
    }
  }

  @Test
  void badOptionsAreReportedWithWhatToDo(@TempDir Path dir) throws Exception {
    Path kb = Files.writeString(dir.resolve("kb.jsonl"), "{\"qid\":\"Q1\",\"name\":\"x\"}\n");
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = MmelCli.commandLine().execute("index", "build", "--kb", kb.toString(),
          "--model", dir.toString(), "--checkpoint-interval", "soon");
    } finally {
      System.setErr(oldErr);
    }
    assertEquals(1, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains(
        "--checkpoint-interval 'soon' is not a duration"), err.toString(StandardCharsets.UTF_8));
  }
}
