package dev.mmel.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.WikiMelSample;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel train` and `mmel evaluate` end to end on a small real WikiMEL sample with the real
 * bge-small backbone (ONNX from its Maven jar): features cached, the matcher trained with hard
 * batches, validated and checkpointed, then ranked exhaustively with a JSON report.
 */
class TrainEvaluateCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;
  static LinkingDataset sample;

  @BeforeAll
  static void writeSample() throws Exception {
    sample = WikiMelSample.write(work.resolve("data"), 40, 40);
  }

  private static String[] common(String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--data";
    all[1] = work.resolve("data").toString();
    all[2] = "--feature-cache";
    all[3] = work.resolve("features").toString();
    System.arraycopy(args, 0, all, 4, args.length);
    return all;
  }

  private static String[] command(String name, String... args) {
    String[] rest = common(args);
    String[] all = new String[rest.length + 1];
    all[0] = name;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Test
  void trainsEvaluatesAndComparesWithTheDualEncoder() throws Exception {
    Path run = work.resolve("run");
    CliRun train = CliRun.of(command("train", "--run", run.toString(), "--epochs", "2",
        "--validate-every", "1", "--lr", "1e-3", "--batch-size", "8", "--hard-negatives", "4"));
    assertEquals(0, train.code(), train.printed());
    assertTrue(train.out().contains("hard batches: groups of 4"), train.printed());
    assertTrue(train.out().contains("| epoch | mean loss | CE terms | mentions/s | validation MRR"),
        train.printed());
    assertTrue(train.out().contains("| 2 | "), train.printed());
    assertTrue(Files.isRegularFile(run.resolve("best/weights.safetensors")));
    assertEquals(2, JSON.readTree(run.resolve("last/state.json").toFile())
        .path("epochsDone").asInt());
    assertTrue(train.err().contains("S_text"), "per-term losses in the progress line");

    Path report = work.resolve("run.json");
    CliRun evaluate = CliRun.of(command("evaluate", "--run", run.toString(), "--split", "test",
        "--json", report.toString()));
    assertEquals(0, evaluate.code(), evaluate.printed());
    JsonNode json = JSON.readTree(report.toFile());
    assertEquals(sample.kb().size(), json.path("kb_size").asInt());
    assertEquals("test", json.path("split").asText());
    assertTrue(json.path("model_version").asText().startsWith("head-"), json.toString());
    double mrr = json.path("metrics").path("mrr").asDouble();
    assertTrue(mrr > 0 && mrr <= 100, json.toString());
    assertTrue(json.path("pairs_scored_exactly").asLong() <= json.path("pairs").asLong());

    Path dual = work.resolve("dual.json");
    CliRun baseline = CliRun.of(command("evaluate", "--dual-encoder", "--split", "test",
        "--json", dual.toString()));
    assertEquals(0, baseline.code(), baseline.printed());
    JsonNode dualJson = JSON.readTree(dual.toFile());
    assertEquals(json.path("metrics").path("mentions").asInt(),
        dualJson.path("metrics").path("mentions").asInt(), dualJson.toString());
  }

  @Test
  void rejectsAHardNegativeGroupLargerThanTheBatch() {
    CliRun train = CliRun.of(command("train", "--run", work.resolve("bad").toString(),
        "--batch-size", "8", "--hard-negatives", "9"));
    assertEquals(2, train.code(), train.printed());
    assertTrue(train.err().contains("--hard-negatives must be 0 (shuffled batches) or within "
        + "2..--batch-size (8), got 9"), train.printed());
    assertTrue(!Files.exists(work.resolve("bad/run.json")), "nothing written for a bad option");
  }
}
