package dev.mmel.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherConfig;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.frozen.FrozenTextRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRecordTest {
  @TempDir
  Path dir;

  private TrainingRecord record(LinkingDataset dataset, long seed) {
    TrainSettings settings = TrainingPreset.WIKIDIVERSE.schedule().seed(seed).epochs(3).build();
    return TrainingRecord.of(dataset.origin(), TrainingPreset.WIKIDIVERSE, settings,
        TrainingSplits.of(dataset, 0.2, seed), Map.of("top_k", 2));
  }

  @Test
  void joinsTheRegimesRunJsonWhichStillReads() throws Exception {
    LinkingDataset dataset = SmallDatasets.write(dir.resolve("data"), "WikiDiverse",
        Map.of("train", List.of(1, 2, 1, 2, 1, 2, 1, 2, 1, 2)));
    Path run = dir.resolve("run");
    FrozenTextRun regime = FrozenTextRun.of("backbone", 384, 50,
        new MatcherConfig(96, 4, 2, GateMode.PER_TOKEN, 32));
    regime.write(run);
    record(dataset, 43).addTo(run);

    assertEquals(regime, FrozenTextRun.read(run), "the regime reads its run.json as before");
    JsonNode training = new ObjectMapper().readTree(run.resolve("run.json").toFile())
        .path("training");
    assertEquals("wikidiverse", training.path("preset").asText());
    assertEquals(1e-5, training.path("lr").asDouble());
    assertEquals(3, training.path("epochs").asInt());
    assertEquals(2, training.path("top_k").asInt());
    assertEquals("WikiDiverse", training.path("dataset").path("name").asText());
    assertEquals("dataset.json", training.path("dataset").path("named_by").asText());
    assertEquals(2, training.path("dev_split").path("samples").asInt());
    assertEquals(training, TrainingRecord.read(run).orElseThrow());
  }

  @Test
  void resumingOnAnotherDevSplitIsRefused() throws Exception {
    LinkingDataset dataset = SmallDatasets.write(dir.resolve("data"), "WikiDiverse",
        Map.of("train", List.of(1, 2, 1, 2, 1, 2, 1, 2, 1, 2)));
    Path run = dir.resolve("run");
    FrozenTextRun.of("backbone", 384, 50, new MatcherConfig(96, 4, 2, GateMode.PER_TOKEN, 32))
        .write(run);
    record(dataset, 43).addTo(run);

    record(dataset, 43).checkResumes(run);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> record(dataset, 7).checkResumes(run));
    assertTrue(e.getMessage().contains("validated on another dev split"), e.getMessage());
    assertTrue(e.getMessage().contains("seed 43"), e.getMessage());
  }
}
