package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.WikiMelSample;
import dev.mmel.model.io.Checkpoint;
import dev.mmel.model.io.ModelDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mmel train` and `mmel evaluate` on a small real WikiMEL sample, in both regimes: the matcher
 * over the real bge-small backbone (ONNX from its Maven jar; features cached, hard batches,
 * validated, checkpointed, ranked exhaustively with a JSON report), the tiny random CLIP
 * trained end to end and exported as a model directory that evaluates like any other, and a tiny
 * text-only model trained over its frozen tower or end to end.
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

    JsonNode recorded = JSON.readTree(run.resolve("run.json").toFile()).path("training");
    assertEquals("wikimel", recorded.path("preset").asText(), "the sample's dataset.json");
    assertEquals(1e-3, recorded.path("lr").asDouble(), "--lr over the preset's");
    assertEquals(3, recorded.path("top_k").asInt(), "the preset's k");
    assertEquals(recorded, json.path("training"), "the report carries how the run trained");
    assertEquals("dataset.json", json.path("dataset_source").path("named_by").asText());
    assertEquals(json.path("metrics").path("mentions").asInt(), json.path("ranks").size());

    CliRun compare = CliRun.of("compare", dual.toString(), report.toString(), "--resamples",
        "1000");
    assertEquals(0, compare.code(), compare.printed());
    assertTrue(compare.out().contains("| MRR | " + String.format(java.util.Locale.ROOT, "%.2f",
        dualJson.path("metrics").path("mrr").asDouble())), compare.printed());
  }

  @Test
  void refusesMissingSplitsAtOnceAndCarvesADevSplitWhenAsked() throws Exception {
    Path data = work.resolve("no-dev");
    WikiMelSample.write(data, 40, 40);
    Files.delete(data.resolve("mentions-dev.jsonl"));
    Files.delete(data.resolve("dataset.json"));
    String[] common = {"--data", data.toString(), "--feature-cache",
        work.resolve("features").toString()};
    Path run = work.resolve("carved");

    CliRun unnamed = CliRun.of(concat(new String[] {"train", "--run", run.toString()}, common));
    assertEquals(1, unnamed.code(), unnamed.printed());
    assertTrue(unnamed.err().contains("declares no name"), unnamed.printed());
    CliRun noDev = CliRun.of(concat(new String[] {"train", "--run", run.toString(), "--preset",
        "none"}, common));
    assertEquals(1, noDev.code(), noDev.printed());
    assertTrue(noDev.err().contains("has no split 'dev'"), noDev.printed());
    assertTrue(noDev.err().contains("--dev-from-train"), noDev.printed());
    assertTrue(!Files.exists(run.resolve("run.json")), "refused before any work");

    CliRun carved = CliRun.of(concat(new String[] {"train", "--run", run.toString(), "--preset",
        "none", "--dev-from-train", "0.25", "--epochs", "1", "--batch-size", "8"}, common));
    assertEquals(0, carved.code(), carved.printed());
    JsonNode training = JSON.readTree(run.resolve("run.json").toFile()).path("training");
    assertEquals("none", training.path("preset").asText());
    assertEquals(1e-5, training.path("lr").asDouble());
    assertEquals(0.25, training.path("dev_split").path("share").asDouble());
    assertTrue(training.path("dev_split").path("sample_ids").size() > 0, training.toString());

    CliRun evaluateDev = CliRun.of(concat(new String[] {"evaluate", "--run", run.toString(),
        "--split", "dev"}, common));
    assertEquals(1, evaluateDev.code(), evaluateDev.printed());
    assertTrue(evaluateDev.err().contains("has no split 'dev'"), evaluateDev.printed());
  }

  private static String[] concat(String[] first, String[] second) {
    String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }

  @Test
  void trainsTinyClipEndToEndAndExportsAModelDirectoryThatEvaluates() throws Exception {
    Path start = work.resolve("tiny");
    CliRun init = CliRun.of("model", "init", "--config", "tiny", "--out", start.toString());
    assertEquals(0, init.code(), init.printed());
    Path run = work.resolve("clip-run");
    CliRun train = CliRun.of(command("train", "--model", start.toString(), "--run",
        run.toString(), "--epochs", "1", "--lr", "1e-4", "--batch-size", "8"));
    assertEquals(0, train.code(), train.printed());
    assertTrue(train.out().contains("end to end from " + start), train.printed());
    Path exported = run.resolve("model");
    ModelDirectory directory = new ModelDirectory(exported);
    directory.verify();
    assertNotEquals(new ModelDirectory(start).version(), directory.version(),
        "trained weights make a new model version");
    assertTrue(train.out().contains("exported the best weights as model "
        + directory.version()), train.printed());

    Path report = work.resolve("clip.json");
    CliRun evaluate = CliRun.of(command("evaluate", "--model", exported.toString(), "--split",
        "test", "--json", report.toString()));
    assertEquals(0, evaluate.code(), evaluate.printed());
    JsonNode json = JSON.readTree(report.toFile());
    assertEquals(directory.version(), json.path("model_version").asText());
    assertEquals(sample.kb().size(), json.path("kb_size").asInt());
    assertTrue(json.path("metrics").path("mrr").asDouble() > 0, json.toString());

    CliRun wrongFlag = CliRun.of(command("evaluate", "--run", run.toString()));
    assertEquals(1, wrongFlag.code(), wrongFlag.printed());
    assertTrue(wrongFlag.err().contains("is a end_to_end run, not one over the frozen "
        + "backbone: its model is the model directory " + exported), wrongFlag.printed());

    CliRun hard = CliRun.of(command("train", "--model", start.toString(), "--run",
        work.resolve("clip-hard").toString(), "--hard-negatives", "4"));
    assertEquals(2, hard.code(), hard.printed());
    assertTrue(hard.err().contains("cannot be combined with end-to-end training"),
        hard.printed());
  }

  @Test
  void trainsATextOnlyMatcherOverItsFrozenTowerAndEvaluatesTheExportExactly() throws Exception {
    Path start = work.resolve("tiny-bert");
    CliRun init = CliRun.of("model", "init", "--config", "tiny-bert", "--out", start.toString());
    assertEquals(0, init.code(), init.printed());
    Path run = work.resolve("bert-run");
    CliRun train = CliRun.of(command("train", "--model", start.toString(), "--run",
        run.toString(), "--epochs", "2", "--validate-every", "1", "--lr", "1e-3",
        "--batch-size", "8", "--hard-negatives", "4"));
    assertEquals(0, train.code(), train.printed());
    assertTrue(train.out().contains("over its frozen tower"), train.printed());
    assertTrue(train.out().contains("hard batches: groups of 4"), train.printed());
    ModelDirectory exported = new ModelDirectory(run.resolve("model"));
    exported.verify();
    assertNotEquals(new ModelDirectory(start).version(), exported.version());
    double bestMrr = JSON.readTree(run.resolve("last/state.json").toFile())
        .path("bestMrr").asDouble();

    // The export ranks the validation split exactly as training validated it.
    Path cached = work.resolve("bert-cached.json");
    CliRun evaluate = CliRun.of(command("evaluate", "--model", exported.root().toString(),
        "--split", "dev", "--json", cached.toString()));
    assertEquals(0, evaluate.code(), evaluate.printed());
    JsonNode cachedJson = JSON.readTree(cached.toFile());
    assertEquals(exported.version(), cachedJson.path("model_version").asText());
    assertEquals(bestMrr, cachedJson.path("metrics").path("mrr").asDouble(), 1e-9,
        cachedJson.toString());

    // Through the whole model (the numbers serving computes) the ranks are the same.
    Path through = work.resolve("bert-through.json");
    CliRun throughTower = CliRun.of(command("evaluate", "--model", exported.root().toString(),
        "--split", "dev", "--through-tower", "--json", through.toString()));
    assertEquals(0, throughTower.code(), throughTower.printed());
    assertEquals(cachedJson.path("metrics").toString(),
        JSON.readTree(through.toFile()).path("metrics").toString());
  }

  @Test
  void fineTunesATextOnlyModelEndToEnd() throws Exception {
    Path start = work.resolve("tiny-bert-e2e");
    CliRun init = CliRun.of("model", "init", "--config", "tiny-bert", "--out", start.toString());
    assertEquals(0, init.code(), init.printed());
    Map<String, float[]> before = Checkpoint.read(new ModelDirectory(start).weights());
    Path run = work.resolve("bert-e2e");
    CliRun train = CliRun.of(command("train", "--model", start.toString(), "--end-to-end",
        "--run", run.toString(), "--epochs", "1", "--lr", "1e-3", "--batch-size", "8"));
    assertEquals(0, train.code(), train.printed());
    assertTrue(train.out().contains("end to end from " + start), train.printed());
    ModelDirectory exported = new ModelDirectory(run.resolve("model"));
    exported.verify();
    Map<String, float[]> after = Checkpoint.read(exported.weights());
    String towerWeight = "encoder.bert.encoder.layer.0.attention.self.query.weight";
    assertTrue(after.containsKey(towerWeight), after.keySet().toString());
    assertFalse(Arrays.equals(before.get(towerWeight), after.get(towerWeight)),
        "end to end, the tower's own weights train");
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
