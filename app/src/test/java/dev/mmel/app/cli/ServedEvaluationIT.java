package dev.mmel.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMelSample;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.pipeline.EmbeddedTarget;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingLimits;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.DirectMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that judge a running server: `mmel evaluate --served` (ranks per K, where gold
 * entities were lost, the exhaustive report paired mention by mention) and `mmel nil calibrate`
 * and `measure`, against a real gRPC server on 127.0.0.1 over an index of real WikiMEL entities
 * built by `mmel index build` with the tiny random model (so only the bookkeeping is checked, not
 * accuracy). DME is off so that the server links the same mention texts as the dataset.
 */
class ServedEvaluationIT {
  private static final int MENTIONS = 12;

  @Test
  void evaluatesThroughTheServerAndCalibratesNil(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    int kbSize = WikiMelSample.write(data, MENTIONS, 30).kb().size();
    Path model = dir.resolve("model");
    Path index = dir.resolve("index");
    Path exhaustive = dir.resolve("exhaustive.json");
    indexAndRankExhaustively(data, 3, model, index, exhaustive);

    try (EntityIndexStore store = new EmbeddedTarget(index.toAbsolutePath().toString()).open();
        LinkingServer server = start(store, model, kbSize)) {
      String target = "127.0.0.1:" + server.port();
      Path report = dir.resolve("served.json");
      CliRun served = CliRun.of("evaluate", "--served", target, "--data", data.toString(),
          "--candidates-k", "3," + kbSize, "--exhaustive", exhaustive.toString(),
          "--json", report.toString());
      assertEquals(0, served.code(), served.printed());
      assertTrue(served.out().contains("| H@1 - exhaustive |"), served.printed());
      JsonNode rows = new ObjectMapper().readTree(report.toFile()).path("by_candidates_k");
      assertEquals(2, rows.size(), rows.toString());
      for (JsonNode row : rows) {
        assertEquals(MENTIONS, row.path("mentions").asInt(), row.toString());
      }
      assertEquals(0, rows.get(1).path("gold_not_retrieved").asInt(),
          "with K = the KB size every gold entity is retrieved: " + rows.get(1));
      assertEquals(0, rows.get(0).path("dme_differing_from_dataset").asInt(), rows.toString());

      CliRun limited = CliRun.of("evaluate", "--served", target, "--data", data.toString(),
          "--candidates-k", "3", "--limit", "5", "--exhaustive",
          dir.resolve("served.json").toString());
      assertEquals(1, limited.code(), limited.printed());
      assertTrue(limited.err().contains("is not a report of `mmel evaluate --json`"),
          "a served report is not an exhaustive one: " + limited.printed());

      CliRun calibrate = CliRun.of("nil", "calibrate", "--target", target, "--data",
          data.toString(), "--model", model.toString());
      assertEquals(0, calibrate.code(), calibrate.printed());
      JsonNode threshold = new ObjectMapper().readTree(
          model.resolve("nil-threshold.json").toFile());
      assertTrue(Float.isFinite((float) threshold.path("threshold").asDouble(Double.NaN)),
          threshold.toString());
      CliRun measure = CliRun.of("nil", "measure", "--target", target, "--data",
          data.toString(), "--model", model.toString(), "--split", "test");
      assertEquals(0, measure.code(), measure.printed());
      assertTrue(measure.out().contains("| threshold | mentions | accuracy (both cases) |"),
          measure.printed());
    }
  }

  /**
   * The photos go with their mentions: over the whole KB (K = its size) the served ranks are the
   * exhaustive ranks, which score the photos. A photo the server refuses is left out, as the
   * exhaustive evaluation leaves out the same unreadable file, and both runs count it.
   */
  @Test
  void sendsEachMentionsPhotoAsTheExhaustiveRankingScoresIt(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    int kbSize = WikiMelSample.write(data, MENTIONS, 30).kb().size();
    Path photos = Files.createDirectories(data.resolve("photos"));
    List<Path> real = new ArrayList<>();
    try (var files = Files.list(SharedData.file("wikimel").resolve("images"))) {
      files.sorted().limit(3).forEach(real::add);
    }
    for (Path photo : real) {
      Files.copy(photo, photos.resolve(photo.getFileName()));
    }
    Files.write(photos.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
    ObjectMapper json = new ObjectMapper();
    Path testMentions = data.resolve("mentions-test.jsonl");
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(testMentions)) {
      ObjectNode mention = (ObjectNode) json.readTree(line);
      int at = lines.size();
      if (at < MENTIONS - 2) {
        mention.put("image", "photos/" + real.get(at % real.size()).getFileName());
      } else if (at == MENTIONS - 2) {
        mention.put("image", "photos/broken.jpg");
      }
      lines.add(json.writeValueAsString(mention));
    }
    Files.write(testMentions, lines);

    Path model = dir.resolve("model");
    Path index = dir.resolve("index");
    Path exhaustive = dir.resolve("exhaustive.json");
    indexAndRankExhaustively(data, 5, model, index, exhaustive);
    JsonNode exhaustiveReport = json.readTree(exhaustive.toFile());
    assertEquals(1, exhaustiveReport.path("unreadable_images").asInt(), "the broken photo");
    double reciprocal = 0;
    for (JsonNode rank : exhaustiveReport.path("ranks")) {
      reciprocal += 1.0 / rank.path("rank").asInt();
    }
    double exhaustiveMrr = 100 * reciprocal / MENTIONS;

    try (EntityIndexStore store = new EmbeddedTarget(index.toAbsolutePath().toString()).open();
        LinkingServer server = start(store, model, kbSize)) {
      Path report = dir.resolve("served.json");
      CliRun served = CliRun.of("evaluate", "--served", "127.0.0.1:" + server.port(),
          "--data", data.toString(), "--candidates-k", String.valueOf(kbSize),
          "--json", report.toString());
      assertEquals(0, served.code(), served.printed());
      assertTrue(served.out().contains("photos: " + (MENTIONS - 2) + " mentions sent with "
          + "theirs; 1 left out"), served.printed());
      JsonNode row = json.readTree(report.toFile()).path("by_candidates_k").get(0);
      assertEquals(MENTIONS - 2, row.path("photos_sent").asInt(), row.toString());
      assertEquals(1, row.path("photos_left_out").asInt(), row.toString());
      assertEquals(exhaustiveMrr, row.path("mrr").asDouble(), 1e-9,
          "served ranks over the whole KB are the exhaustive ranks: " + row);
    }
  }

  /**
   * A tiny random model (seed {@code seed}), the embedded index of the dataset's KB built by
   * `mmel index build`, and `mmel evaluate`'s exhaustive report of its test split.
   */
  private static void indexAndRankExhaustively(Path data, int seed, Path model, Path index,
      Path report) throws Exception {
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), seed,
        SharedData.file(SharedData.CLIP_VOCAB), model);
    CliRun build = CliRun.of("index", "build", "--kb", data.resolve("kb.jsonl").toString(),
        "--model", model.toString(), "--index", index.toString(),
        "--checkpoint-interval", "500ms");
    assertEquals(0, build.code(), build.printed());
    CliRun ranked = CliRun.of("evaluate", "--model", model.toString(), "--data",
        data.toString(), "--json", report.toString());
    assertEquals(0, ranked.code(), ranked.printed());
  }

  private static LinkingServer start(EntityIndexStore store, Path model, int kbSize)
      throws Exception {
    return LinkingServer.start(ServerSettings.builder().port(0).metricsPort(0)
            .limits(ServingLimits.builder().maxTopK(kbSize).build()).build(),
        store, new BindingLoader(new ModelRepository(model), new SessionSettings(2, 0, "cpu"),
            new CacheConfig(16 << 20, 1_000, 1_000, Duration.ofMinutes(1)),
            DirectMentionEncoder::new, Optional.empty(), OptionalDouble.empty(), "embedded"),
        new ServingMetrics(), Duration.ofMinutes(2), "off");
  }
}
