package dev.mmel.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.app.cli.CliRun;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.pipeline.IndexAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel bench-pipeline` end to end on a few real WikiMEL entities: both sides must encode every
 * record (the command fails otherwise) and the table carries all six configurations.
 */
class PipelineBenchCommandIT {

  @Test
  void measuresTheJobAndThePlainLoopOnTheSameRecords(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 3, SharedData.file(SharedData.CLIP_VOCAB), model);
    List<String> lines = new ArrayList<>(IndexAssertions.wikiMelEntities(50).stream()
        .map(KbJsonl::toLine).toList());
    lines.add(5, "{\"qid\":\"Q1\"}");
    Path kb = Files.write(dir.resolve("kb.jsonl"), lines);

    CliRun run = CliRun.of("bench-pipeline", "--kb", kb.toString(), "--entities", "40",
        "--model", model.toString(), "--batch", "8", "--rounds", "1",
        "--checkpoint-interval", "500ms", "--work-dir", dir.resolve("work").toString());
    String table = run.out();
    assertEquals(0, run.code(), run.printed());
    assertTrue(table.startsWith("40 entities"), table);
    for (String row : List.of("| plain loop, one batch: start-up (baseline) |",
        "| Flink job, one batch: start-up |", "| plain loop, encode only (baseline) |",
        "| Flink job, encode only |", "| plain loop, encode + embedded index (baseline) |",
        "| Flink job, encode + embedded index (`mmel index build`) |")) {
      assertTrue(table.contains(row), row + " in\n" + table);
    }
    assertTrue(Files.notExists(dir.resolve("work")) || isEmpty(dir.resolve("work")),
        "the work directory is cleaned up");
  }

  private static boolean isEmpty(Path directory) throws Exception {
    try (var entries = Files.list(directory)) {
      return entries.findAny().isEmpty();
    }
  }
}
