package dev.mmel.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingSplitsTest {
  @TempDir
  Path dir;

  /** 20 training samples of one to three mentions each. */
  private static List<Integer> twentySamples() {
    List<Integer> samples = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      samples.add(1 + i % 3);
    }
    return samples;
  }

  @Test
  void anEmptyDevSplitIsRefusedBeforeAnyWorkWithWhatToDo() throws Exception {
    LinkingDataset dataset = SmallDatasets.write(dir, "x",
        Map.of("train", twentySamples(), "dev", List.of(), "test", List.of(1)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(dataset, 0, 43));
    assertTrue(e.getMessage().contains("split 'dev' of dataset x"), e.getMessage());
    assertTrue(e.getMessage().contains("dev 0"), "the counts per split: " + e.getMessage());
    assertTrue(e.getMessage().contains("--dev-from-train SHARE"), e.getMessage());
  }

  @Test
  void aMissingDevSplitOrAnEmptyTrainSplitIsRefused() throws Exception {
    LinkingDataset noDev = SmallDatasets.write(dir.resolve("a"), "x",
        Map.of("train", twentySamples()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(noDev, 0, 43));
    assertTrue(e.getMessage().contains("has no split 'dev'"), e.getMessage());

    LinkingDataset noTrain = SmallDatasets.write(dir.resolve("b"), "x",
        Map.of("train", List.of(), "dev", List.of(2)));
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(noTrain, 0.1, 43));
    assertTrue(t.getMessage().contains("split 'train' of dataset x"), t.getMessage());
    assertTrue(t.getMessage().contains("mentions-train.jsonl"), t.getMessage());

    LinkingDataset oneMention = SmallDatasets.write(dir.resolve("c"), "x",
        Map.of("train", List.of(1), "dev", List.of(2)));
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(oneMention, 0, 43));
    assertTrue(one.getMessage().contains("at least 2 mentions"), one.getMessage());
  }

  @Test
  void theDatasetsOwnDevSplitIsUsedAsIs() throws Exception {
    LinkingDataset dataset = SmallDatasets.write(dir, "x",
        Map.of("train", twentySamples(), "dev", List.of(2, 1)));
    TrainingSplits splits = TrainingSplits.of(dataset, 0, 43);
    assertEquals(dataset.split("train"), splits.train());
    assertEquals(dataset.split("dev"), splits.dev());
    assertEquals(3, splits.devRecord().get("mentions"));
  }

  @Test
  void aCarvedDevSplitTakesWholeSamplesBySeed() throws Exception {
    LinkingDataset dataset = SmallDatasets.write(dir, "x",
        Map.of("train", twentySamples(), "dev", List.of()));
    List<LabelledMention> all = dataset.split("train");
    TrainingSplits splits = TrainingSplits.of(dataset, 0.25, 43);

    Set<String> devSamples = ids(splits.dev());
    assertEquals(5, devSamples.size(), "a quarter of 20 samples");
    Set<String> trainSamples = ids(splits.train());
    assertTrue(Collections.disjoint(devSamples, trainSamples), "no sample on both sides");
    assertEquals(all.size(), splits.train().size() + splits.dev().size());
    assertEquals(all.stream().filter(m -> devSamples.contains(m.sampleId())).toList(),
        splits.dev(), "every mention of a held-out sample, in file order");
    assertEquals(splits.dev().stream().map(LabelledMention::sampleId).distinct().toList(),
        splits.devRecord().get("sample_ids"));
    assertEquals(0.25, splits.devRecord().get("share"));
    assertEquals(43L, splits.devRecord().get("seed"));

    assertEquals(splits.dev(), TrainingSplits.of(dataset, 0.25, 43).dev(), "same seed, same dev");
    assertNotEquals(devSamples, ids(TrainingSplits.of(dataset, 0.25, 44).dev()),
        "another seed holds out other samples");
  }

  @Test
  void carvingIsRefusedOverARealDevSplitOrWhenNothingWouldBeLeft() throws Exception {
    LinkingDataset withDev = SmallDatasets.write(dir.resolve("a"), "x",
        Map.of("train", twentySamples(), "dev", List.of(1)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(withDev, 0.1, 43));
    assertTrue(e.getMessage().contains("has 1 dev mentions; drop --dev-from-train"),
        e.getMessage());

    LinkingDataset twoSamples = SmallDatasets.write(dir.resolve("b"), "x",
        Map.of("train", List.of(3, 3)));
    IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(twoSamples, 0.9, 43));
    assertTrue(all.getMessage().contains("leaves none to train on"), all.getMessage());
    IllegalArgumentException share = assertThrows(IllegalArgumentException.class,
        () -> TrainingSplits.of(twoSamples, 1.5, 43));
    assertTrue(share.getMessage().contains("--dev-from-train must be a share within (0, 1)"),
        share.getMessage());
  }

  private static Set<String> ids(List<LabelledMention> mentions) {
    Set<String> ids = new HashSet<>();
    mentions.forEach(m -> ids.add(m.sampleId()));
    return ids;
  }
}
