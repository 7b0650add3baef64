package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.BertTextConfig;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BERT tower of a tiny random model against a plain restatement of Hugging Face's BertModel
 * ({@link BertReference}), and what its padding mask promises: pad rows zero, states independent
 * of the padding and of the rest of the batch, an id 0 inside the text attended as a token.
 */
class BertTowerTest {
  private static final ModelConfig CONFIG = ModelPresets.get(ModelPresets.TINY_BERT);
  private static final int L = CONFIG.contextLength();
  private static final int W = CONFIG.text().width();
  private static final int[] SHORT = {101, 3000, 2003, 1037, 3007, 102};
  /** "[PAD]" written in a text is id 0 between real tokens. */
  private static final int[] SPELLED_PAD = {101, 2023, 0, 2003, 4895, 102};

  @TempDir
  static Path dir;

  private static TextTowerProbe tower;
  private static SafetensorsFile weights;

  @BeforeAll
  static void createModel() throws IOException {
    Path model = dir.resolve("tiny-bert");
    ModelCreator.initRandom(CONFIG, 5, SharedData.file(SharedData.CLIP_VOCAB), model);
    tower = new TextTowerProbe(model);
    weights = SafetensorsFile.open(model.resolve("weights.safetensors"));
  }

  @AfterAll
  static void close() throws IOException {
    tower.close();
    weights.close();
  }

  @Test
  void hiddenStatesAndPooledVectorEqualTheReference() throws IOException {
    BertReference reference = new BertReference(weights, (BertTextConfig) CONFIG.text());
    for (int[] ids : new int[][] {SHORT, SPELLED_PAD, longSequence()}) {
      TextTowerProbe.Features got = tower.run(new int[][] {padded(ids)});
      double[][] expected = reference.hiddenStates(ids);
      double norm = Math.sqrt(Arrays.stream(expected[0]).map(v -> v * v).sum());
      for (int t = 0; t < ids.length; t++) {
        for (int c = 0; c < W; c++) {
          assertEquals(expected[t][c], got.tokens()[t * W + c], 2e-5, "state " + t + "," + c);
        }
      }
      for (int c = 0; c < W; c++) {
        assertEquals(expected[0][c] / norm, got.cls()[c], 1e-6, "t_cls " + c);
      }
    }
  }

  @Test
  void padRowsAreZeroAndStatesDoNotDependOnTheBatch() {
    TextTowerProbe.Features alone = tower.run(new int[][] {padded(SHORT)});
    TextTowerProbe.Features batch =
        tower.run(new int[][] {padded(longSequence()), padded(SHORT), padded(SPELLED_PAD)});
    for (int j = 0; j < L * W; j++) {
      assertEquals(alone.tokens()[j], batch.tokens()[L * W + j], 1e-5, "value " + j);
      if (j >= SHORT.length * W) {
        assertTrue(alone.tokens()[j] == 0f, "pad value " + j + " is " + alone.tokens()[j]);
      }
    }
    double spelledPadRow = 0;
    for (int c = 0; c < W; c++) {
      spelledPadRow += Math.abs(batch.tokens()[2 * L * W + 2 * W + c]);
    }
    assertTrue(spelledPadRow > 0, "an id 0 before the last token is a token, not padding");
  }

  private static int[] padded(int[] ids) {
    return Arrays.copyOf(ids, L);
  }

  private static int[] longSequence() {
    int[] ids = new int[L];
    ids[0] = 101;
    for (int i = 1; i < L - 1; i++) {
      ids[i] = 1000 + 37 * i;
    }
    ids[L - 1] = 102;
    return ids;
  }
}
