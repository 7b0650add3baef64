package dev.mmel.model.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.Scores;
import dev.mmel.model.bge.BgeTokenizer;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.DamagedModelException;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A text-only BERT model through the whole serving path: its directory carries tokenizer.json,
 * its SavedModel takes no pixels, and its image side behaves as {@link ModelConfig} says.
 */
class TextOnlyModelTest {
  private static final ModelConfig TINY_BERT = ModelPresets.get(ModelPresets.TINY_BERT);
  private static final List<String> ENTITIES = List.of("Paris [SEP] capital of France",
      "Paris Hilton [SEP] American media personality", "Lyon [SEP] city in France",
      "Mount Everest [SEP] Earth's highest mountain", "", "[PAD] spelled out [SEP] odd text");
  private static final List<String> MENTIONS = List.of(
      "Paris [SEP] She flew to Paris for the fashion week. [SEP] ",
      "Everest [SEP] They climbed Everest in May. [SEP] highest mountain");

  @TempDir
  static Path shared;

  private static Path modelDir;
  private static MmoeModel model;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void createModel() throws IOException {
    modelDir = shared.resolve("tiny-bert");
    ModelCreator.initRandom(TINY_BERT, 11, SharedData.file(SharedData.CLIP_VOCAB), modelDir);
    model = MmoeModel.load(modelDir, SessionSettings.defaults());
    tokenizer = new ModelDirectory(modelDir).tokenizer();
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  @Test
  void theDirectoryCarriesTheWordPieceTokenizerUnderTheManifest() throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    assertInstanceOf(BgeTokenizer.class, tokenizer);
    assertTrue(Files.readString(directory.manifest()).contains("\"tokenizer.json\""));
    assertFalse(Files.exists(directory.vocab()), "no CLIP vocabulary in a BERT directory");
    int[] ids = tokenizer.encodePadded("Paris", 50);
    assertEquals(50, ids.length);
    assertEquals(List.of(101, 3000, 102, 0), List.of(ids[0], ids[1], ids[2], ids[49]));

    Path copy = shared.resolve("damaged");
    ModelCreator.initRandom(TINY_BERT, 11, SharedData.file(SharedData.CLIP_VOCAB), copy);
    Files.writeString(copy.resolve("tokenizer.json"), "{}");
    assertTrue(assertThrows(DamagedModelException.class, () -> new ModelDirectory(copy).verify())
        .getMessage().contains("tokenizer.json is changed or damaged"));
  }

  @Test
  void pixelsAreIgnoredAndTheImageSideIsConstant() {
    int[][] ids = tokenizer.encodeBatch(ENTITIES, 50);
    float[][] junk = new float[ENTITIES.size()][7];
    EntityEncodings withJunk = model.encodeEntities(ids, junk);
    EntityEncodings without = model.encodeEntities(ids, null);
    assertArrayEquals(without.retrieval(), withJunk.retrieval());
    int d = TINY_BERT.matcher().hiddenDim();
    int r = TINY_BERT.retrievalDim();
    for (int i = 1; i < ENTITIES.size(); i++) {
      assertArrayEquals(slice(without.imageC(), 0, d), slice(without.imageC(), i * d, d));
      assertArrayEquals(slice(without.imageQuery(), 0, 50 * d),
          slice(without.imageQuery(), i * 50 * d, 50 * d));
      // The v_cls slot of e_e (after t_cls) is constant too.
      assertArrayEquals(slice(without.retrieval(), 32, d), slice(without.retrieval(), i * r + 32, d));
    }
  }

  @Test
  void imageScoreIsOneConstantWhileTextAndCrossScoresVary() {
    Scores pairs = model.scorePairs(tokenizer.encodeBatch(MENTIONS, 50), null,
        tokenizer.encodeBatch(ENTITIES, 50), null);
    float image = pairs.image()[0];
    for (int i = 0; i < pairs.image().length; i++) {
      assertEquals(image, pairs.image()[i], 1e-5, "S_image of pair " + i);
    }
    assertTrue(spread(pairs.text()) > 1e-3, "S_text varies");
    assertTrue(spread(pairs.cross()) > 1e-5, "S_cross varies: SMoE_c routes the image by text");
  }

  @Test
  void candidateScoresEqualPairScoresAndEncodingsDoNotDependOnTheBatch() {
    int[][] entityIds = tokenizer.encodeBatch(ENTITIES, 50);
    int[][] mentionIds = tokenizer.encodeBatch(MENTIONS, 50);
    Scores pairs = model.scorePairs(mentionIds, null, entityIds, null);
    EntityEncodings entities = model.encodeEntities(entityIds, null);
    MentionEncodings mentions = model.encodeMentions(mentionIds, null);
    for (int b = 0; b < MENTIONS.size(); b++) {
      Scores one = model.scoreCandidates(mentions.rows(b, b + 1), entities, ENTITIES.size());
      for (int n = 0; n < ENTITIES.size(); n++) {
        assertEquals(pairs.total(b, n), one.total(0, n), 1e-5, "mention " + b + " entity " + n);
      }
    }
    EntityEncodings alone = model.encodeEntities(new int[][] {entityIds[3]}, null);
    assertArrayEquals(entities.rows(3, 4).retrieval(), alone.retrieval(), 1e-5f);
  }

  @Test
  void aWordPieceRowMustStartWithATokenNotAPad() {
    int[][] ids = {new int[50]};
    assertEquals("entities.text_ids[0] starts with the pad id 0; a WordPiece row starts with [CLS]",
        assertThrows(IllegalArgumentException.class, () -> model.encodeEntities(ids, null))
            .getMessage());
  }

  private static float[] slice(float[] values, int from, int count) {
    return java.util.Arrays.copyOfRange(values, from, from + count);
  }

  private static double spread(float[] values) {
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (float v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return max - min;
  }
}
