package dev.mmel.model.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.Scores;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrozenMeanCalibratorTest {
  private static final ModelConfig TINY = ModelPresets.get(ModelPresets.TINY);
  private static final ModelConfig FAITHFUL =
      TINY.withMatcher(TINY.matcher().withGateMode(GateMode.FAITHFUL));

  @TempDir
  Path dir;

  /**
   * With the frozen means measured on exactly one batch of 32 (the frozen_mean_batch), the
   * serving split reproduces the reference's batch-mean joint scores on that batch.
   */
  @Test
  void frozenMeansOfABatchReproduceTheBatchMeanScores() throws IOException {
    Path model = dir.resolve("faithful");
    String before = ModelCreator.initRandom(FAITHFUL, 3, SharedData.file(SharedData.CLIP_VOCAB), model);
    FrozenMeanCalibrator.Pairs pairs = pairs(new Random(1), 32);
    String after = FrozenMeanCalibrator.calibrate(model, pairs, (done, total) -> { });
    assertNotEquals(before, after, "new weights, new version");
    try (MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
      Scores joint = mmoe.scorePairs(pairs.mentionIds(), pairs.mentionPixels(),
          pairs.entityIds(), pairs.entityPixels());
      EntityEncodings entities = mmoe.encodeEntities(pairs.entityIds(), pairs.entityPixels());
      MentionEncodings mentions = mmoe.encodeMentions(pairs.mentionIds(), pairs.mentionPixels());
      double worst = 0;
      for (int b = 0; b < 32; b += 7) {
        Scores split = mmoe.scoreCandidates(mentions.rows(b, b + 1), entities, 32);
        for (int n = 0; n < 32; n++) {
          worst = Math.max(worst, Math.abs(joint.total(b, n) - split.total(0, n)));
        }
      }
      assertTrue(worst < 2e-4, "frozen split vs batch-mean joint, max |diff| " + worst);
    }
  }

  @Test
  void storedMeansAreThePairAverageOverAllBatches() throws IOException {
    Path model = dir.resolve("faithful-70");
    ModelCreator.initRandom(FAITHFUL, 4, SharedData.file(SharedData.CLIP_VOCAB), model);
    FrozenMeanCalibrator.Pairs pairs = pairs(new Random(2), 70);
    int[] calls = new int[1];
    FrozenMeanCalibrator.calibrate(model, pairs, (done, total) -> {
      calls[0]++;
      assertEquals(70, total);
    });
    assertEquals(3, calls[0], "batches of 32, 32 and 6");
    Map<GateSite, float[]> wholeSet;
    try (MmoeModel mmoe = MmoeModel.load(model, SessionSettings.defaults())) {
      wholeSet = mmoe.gateStatistics(pairs.mentionIds(), pairs.mentionPixels(),
          pairs.entityIds(), pairs.entityPixels());
    }
    try (SafetensorsFile weights = SafetensorsFile.open(model.resolve("weights.safetensors"))) {
      for (GateSite site : GateSite.values()) {
        float[] stored = weights.readFloats(site.parameterName());
        float[] expected = wholeSet.get(site);
        assertEquals(51 * 4, stored.length);
        for (int i = 0; i < stored.length; i++) {
          assertEquals(expected[i], stored[i], 1e-6, site + "[" + i + "]");
        }
        // Only positions < E and choices < k can be non-zero (spec 4).
        for (int s = 4; s < 51; s++) {
          assertEquals(0f, stored[s * 4], site + " position " + s);
        }
      }
    }
  }

  @Test
  void perTokenModelsHaveNothingToCalibrate() throws IOException {
    Path model = dir.resolve("per-token");
    ModelCreator.initRandom(TINY, 5, SharedData.file(SharedData.CLIP_VOCAB), model);
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> FrozenMeanCalibrator.calibrate(model, pairs(new Random(3), 4), (d, t) -> { }))
        .getMessage().contains("only for the faithful gate"));
  }

  private static FrozenMeanCalibrator.Pairs pairs(Random random, int n) {
    return new FrozenMeanCalibrator.Pairs(ids(random, n), pixels(random, n), ids(random, n),
        pixels(random, n));
  }

  private static int[][] ids(Random random, int n) {
    int[][] rows = new int[n][50];
    for (int[] row : rows) {
      int tokens = 1 + random.nextInt(48);
      row[0] = 49406;
      for (int j = 1; j < 50; j++) {
        row[j] = j <= tokens ? random.nextInt(49000) : 49407;
      }
    }
    return rows;
  }

  private static float[][] pixels(Random random, int n) {
    float[][] images = new float[n][];
    for (int i = 0; i < n; i += 2) {
      images[i] = new float[3 * 224 * 224];
      for (int j = 0; j < images[i].length; j++) {
        images[i][j] = (float) random.nextGaussian();
      }
    }
    return images;
  }
}
