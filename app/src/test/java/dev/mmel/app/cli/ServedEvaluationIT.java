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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 3,
        SharedData.file(SharedData.CLIP_VOCAB), model);
    Path index = dir.resolve("index");
    CliRun build = CliRun.of("index", "build", "--kb", data.resolve("kb.jsonl").toString(),
        "--model", model.toString(), "--index", index.toString(),
        "--checkpoint-interval", "500ms");
    assertEquals(0, build.code(), build.printed());
    Path exhaustive = dir.resolve("exhaustive.json");
    CliRun ranked = CliRun.of("evaluate", "--model", model.toString(), "--data",
        data.toString(), "--json", exhaustive.toString());
    assertEquals(0, ranked.code(), ranked.printed());

    try (EntityIndexStore store = new EmbeddedTarget(index.toAbsolutePath().toString()).open();
        LinkingServer server = LinkingServer.start(ServerSettings.builder().port(0)
            .metricsPort(0).limits(ServingLimits.builder().maxTopK(kbSize).build()).build(),
            store, new BindingLoader(new ModelRepository(model), new SessionSettings(2, 0, "cpu"),
                new CacheConfig(16 << 20, 1_000, 1_000, Duration.ofMinutes(1)),
                DirectMentionEncoder::new, Optional.empty(), OptionalDouble.empty(), "embedded"),
            new ServingMetrics(), Duration.ofMinutes(2), "off")) {
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
}
