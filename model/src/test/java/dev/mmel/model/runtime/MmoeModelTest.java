package dev.mmel.model.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.mmel.model.io.DamagedModelException;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MmoeModelTest {
  private static final ModelConfig TINY = ModelPresets.get(ModelPresets.TINY);

  @TempDir
  static Path shared;

  private static Path modelDir;
  private static MmoeModel model;

  @BeforeAll
  static void createModel() throws IOException {
    modelDir = shared.resolve("tiny");
    ModelCreator.initRandom(TINY, 7, SharedData.file(SharedData.CLIP_VOCAB), modelDir);
    model = MmoeModel.load(modelDir, SessionSettings.defaults());
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  @Test
  void savedModelAndInProcessGraphGiveTheSameEncodings() throws IOException {
    Random random = new Random(1);
    int[][] ids = Inputs.ids(random, 4, TINY);
    float[][] pixels = Inputs.pixels(random, 4, TINY);
    try (MmoeModel raw = MmoeModel.buildInProcess(modelDir, SessionSettings.defaults())) {
      assertEquals(model.version(), raw.version());
      EntityEncodings a = model.encodeEntities(ids, pixels);
      EntityEncodings b = raw.encodeEntities(ids, pixels);
      assertArrayEquals(a.retrieval(), b.retrieval(), 1e-6f);
      assertArrayEquals(a.textQuery(), b.textQuery(), 1e-6f);
      assertArrayEquals(a.imageQuery(), b.imageQuery(), 1e-6f);
      MentionEncodings m = model.encodeMentions(ids, pixels);
      MentionEncodings n = raw.encodeMentions(ids, pixels);
      assertArrayEquals(m.query(), n.query(), 1e-6f);
      assertArrayEquals(m.textValue(), n.textValue(), 1e-6f);
    }
  }

  @Test
  void encodingsHaveSpecShapes() {
    Random random = new Random(2);
    EntityEncodings e = model.encodeEntities(Inputs.ids(random, 3, TINY), null);
    int d = TINY.matcher().hiddenDim();
    assertEquals(TINY.projectionDim() + 3 * d, e.retrievalDim());
    assertEquals(3 * e.retrievalDim(), e.retrieval().length);
    assertEquals(3 * 50 * d, e.textQuery().length);
    assertEquals(2 * (d + 50 * d), e.rerankFloats());
    // The text part of e_e is the LayerNormed t_cls: zero mean over its 32 values (LN bias 0).
    double mean = 0;
    for (int i = 0; i < TINY.projectionDim(); i++) {
      mean += e.retrieval()[i];
    }
    assertEquals(0, mean / TINY.projectionDim(), 1e-5);
  }

  @Test
  void anItemsEncodingDoesNotDependOnItsBatch() throws IOException {
    Random random = new Random(3);
    int[][] ids = Inputs.ids(random, 5, TINY);
    float[][] pixels = Inputs.pixels(random, 5, TINY);
    checkBatchIndependence(model, ids, pixels);
    Path faithfulDir = shared.resolve("faithful");
    ModelCreator.initRandom(TINY.withMatcher(TINY.matcher().withGateMode(GateMode.FAITHFUL)), 8, SharedData.file(SharedData.CLIP_VOCAB),
        faithfulDir);
    try (MmoeModel faithful = MmoeModel.load(faithfulDir, SessionSettings.defaults())) {
      checkBatchIndependence(faithful, ids, pixels);
    }
  }

  private static void checkBatchIndependence(MmoeModel m, int[][] ids, float[][] pixels) {
    EntityEncodings all = m.encodeEntities(ids, pixels);
    EntityEncodings alone = m.encodeEntities(new int[][] {ids[2]}, new float[][] {pixels[2]});
    assertArrayEquals(all.rows(2, 3).retrieval(), alone.retrieval(), 1e-5f);
    assertArrayEquals(all.rows(2, 3).textQuery(), alone.textQuery(), 1e-5f);
    MentionEncodings mAll = m.encodeMentions(ids, pixels);
    MentionEncodings mAlone = m.encodeMentions(new int[][] {ids[2]}, new float[][] {pixels[2]});
    assertArrayEquals(mAll.rows(2, 3).query(), mAlone.query(), 1e-5f);
  }

  @Test
  void candidateScoresEqualPairScoresAndRankTheSame() {
    Random random = new Random(4);
    int[][] mentionIds = Inputs.ids(random, 2, TINY);
    float[][] mentionPixels = Inputs.pixels(random, 2, TINY);
    int[][] entityIds = Inputs.ids(random, 6, TINY);
    float[][] entityPixels = Inputs.pixels(random, 6, TINY);
    Scores pairs = model.scorePairs(mentionIds, mentionPixels, entityIds, entityPixels);
    EntityEncodings entities = model.encodeEntities(entityIds, entityPixels);
    MentionEncodings mentions = model.encodeMentions(mentionIds, mentionPixels);
    for (int b = 0; b < 2; b++) {
      Scores one = model.scoreCandidates(mentions.rows(b, b + 1), entities, 6);
      for (int n = 0; n < 6; n++) {
        assertEquals(pairs.total(b, n), one.total(0, n), 1e-5, "mention " + b + " entity " + n);
        float mean = (one.text()[n] + one.image()[n] + one.cross()[n]) / 3;
        assertEquals(one.total(0, n), mean, 1e-5, "S is the mean of its parts");
      }
    }
  }

  @Test
  void concurrentCallsGiveSequentialResults() throws Exception {
    Random random = new Random(5);
    List<int[][]> batches = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int[][] ids = Inputs.ids(random, 1 + i % 3, TINY);
      batches.add(ids);
      expected.add(model.encodeEntities(ids, null).retrieval());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<float[]>> futures = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        for (int[][] ids : batches) {
          futures.add(pool.submit(() -> model.encodeEntities(ids, null).retrieval()));
        }
      }
      for (int i = 0; i < futures.size(); i++) {
        assertArrayEquals(expected.get(i % batches.size()), futures.get(i).get(), 1e-6f);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badInputsNameTheFieldAndTheLimit() {
    IllegalArgumentException shortRow = assertThrows(IllegalArgumentException.class,
        () -> model.encodeEntities(new int[][] {{49406, 49407}}, null));
    assertTrue(shortRow.getMessage().contains("entities.text_ids[0] must hold exactly 50"),
        shortRow.getMessage());
    int[] outOfVocab = new int[50];
    java.util.Arrays.fill(outOfVocab, 49407);
    outOfVocab[1] = 60000;
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> model.encodeMentions(new int[][] {outOfVocab}, null)).getMessage()
        .contains("outside [0, 49408)"));
    int[] ok = Inputs.ids(new Random(6), 1, TINY)[0];
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> model.encodeEntities(new int[][] {ok}, new float[][] {new float[10]})).getMessage()
        .contains("pixels[0] must hold 3x224x224"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> model.encodeEntities(new int[0][], null)).getMessage().contains("at least one"));
    // The model still works after rejecting bad requests.
    assertEquals(1, model.encodeEntities(new int[][] {ok}, null).count());
  }

  @Test
  void versionDependsOnWeightsAndIsStable() throws IOException {
    Path same = shared.resolve("same-seed");
    Path other = shared.resolve("other-seed");
    ModelCreator.initRandom(TINY, 7, SharedData.file(SharedData.CLIP_VOCAB), same);
    ModelCreator.initRandom(TINY, 8, SharedData.file(SharedData.CLIP_VOCAB), other);
    assertEquals(model.version(), new ModelDirectory(same).version());
    assertNotEquals(model.version(), new ModelDirectory(other).version());
    assertTrue(model.version().matches("mmoe-[0-9a-f]{16}"));
  }

  @Test
  void damagedFilesAreReportedClearly() throws IOException {
    Path dir = shared.resolve("damaged");
    ModelCreator.initRandom(TINY, 9, SharedData.file(SharedData.CLIP_VOCAB), dir);
    Path data;
    try (Stream<Path> files = Files.list(dir.resolve("saved_model/variables"))) {
      data = files.filter(p -> p.getFileName().toString().startsWith("variables.data"))
          .findFirst().orElseThrow();
    }
    try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 100);
    }
    DamagedModelException verified = assertThrows(DamagedModelException.class,
        () -> MmoeModel.load(dir, SessionSettings.defaults()));
    assertTrue(verified.getMessage().contains("variables.data") && verified.getMessage()
        .contains("changed or damaged"), verified.getMessage());

    try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() / 2);
    }
    DamagedModelException unverified = assertThrows(DamagedModelException.class,
        () -> MmoeModel.load(dir, SessionSettings.defaults(), false));
    assertTrue(unverified.getMessage().contains("TensorFlow could not load"),
        unverified.getMessage());

    Files.delete(dir.resolve("manifest.json"));
    assertTrue(assertThrows(IOException.class,
        () -> MmoeModel.load(dir, SessionSettings.defaults())).getMessage()
        .contains("not an mmel model directory"));
  }
}
