package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mmel.core.EntityEncodings;
import dev.mmel.model.bge.BgeResources;
import dev.mmel.model.bge.BgeTokenizer;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.frozen.FrozenTextSource;
import dev.mmel.model.io.MatcherStart;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.WeightImporter;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BERT text tower of a model directory imported from bge-small-en-v1.5's fp32 ONNX export,
 * against ONNX Runtime running that same file, on real WikiMEL texts built as training and
 * serving build them (entity name + abstract, mention + sentence + DME description). ONNX
 * Runtime runs each text alone and unpadded, as {@code BgeSmallEncoder} does; the tower runs
 * padded batches, so this also checks that padding changes nothing. t_cls must match the
 * L2-normalised [CLS] state and t_tok the hidden states, with pad rows exactly zero.
 *
 * <p>By default a deterministic, evenly spread sample of {@value #DEFAULT_SAMPLE} texts;
 * {@code -Dmmel.parity.texts=all} (or a number) runs more.
 */
class BertTowerParityIT {
  private static final int DEFAULT_SAMPLE = 1_000;
  private static final double TOLERANCE = 1e-4;
  private static final int BATCH = 32;

  @TempDir
  static Path dir;

  private static Path modelDir;
  private static ModelConfig config;
  private static BgeTokenizer tokenizer;
  private static OrtEnvironment environment;
  private static OrtSession reference;

  @BeforeAll
  static void importTheModel() throws Exception {
    Path wikimel = SharedData.root().resolve("wikimel");
    assumeTrue(Files.isDirectory(wikimel), "shared WikiMEL data not found at " + wikimel);
    modelDir = dir.resolve("bge-small");
    long start = System.nanoTime();
    WeightImporter.Report report = WeightImporter.importBgeSmall(
        ModelPresets.get(ModelPresets.BGE_SMALL_EN_V15), List.of(), 43, MatcherStart.RANDOM,
        modelDir);
    System.out.printf("BertTowerParityIT: imported %s in %.1f s, %s%n", report.version(),
        (System.nanoTime() - start) / 1e9, report.importedPerFile());
    config = new ModelDirectory(modelDir).readConfig();
    tokenizer = (BgeTokenizer) new ModelDirectory(modelDir).tokenizer();
    environment = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      reference = environment.createSession(BgeResources.read(BgeResources.FP32_MODEL), options);
    }
  }

  @AfterAll
  static void closeReference() throws OrtException {
    if (reference != null) {
      reference.close();
    }
  }

  @Test
  void towerEqualsOnnxRuntimeOnWikiMelTexts() throws Exception {
    List<String> texts = sample(wikiMelTexts(), System.getProperty("mmel.parity.texts"));
    int width = config.text().width();
    int length = config.contextLength();
    double worstToken = 0;
    double worstPooled = 0;
    long started = System.nanoTime();
    try (TextTowerProbe tower = new TextTowerProbe(modelDir)) {
      for (int from = 0; from < texts.size(); from += BATCH) {
        List<String> batch = texts.subList(from, Math.min(texts.size(), from + BATCH));
        TextTowerProbe.Features got = tower.run(tokenizer.encodeBatch(batch, length));
        for (int i = 0; i < batch.size(); i++) {
          int[] ids = tokenizer.encode(batch.get(i), length);
          float[] hidden = onnxHiddenStates(ids);
          int tokenBase = i * length * width;
          for (int j = 0; j < length * width; j++) {
            float expected = j < hidden.length ? hidden[j] : 0f;
            float actual = got.tokens()[tokenBase + j];
            if (j >= hidden.length && actual != 0f) {
              fail("pad row " + j / width + " of '" + batch.get(i) + "' holds " + actual);
            }
            worstToken = Math.max(worstToken, Math.abs(expected - actual));
          }
          float[] pooled = normalised(Arrays.copyOf(hidden, width));
          for (int d = 0; d < width; d++) {
            worstPooled = Math.max(worstPooled, Math.abs(pooled[d] - got.cls()[i * width + d]));
          }
        }
        if ((from / BATCH) % 100 == 0) {
          System.out.printf("BertTowerParityIT: %d/%d texts, worst token %.3g, pooled %.3g%n",
              from + batch.size(), texts.size(), worstToken, worstPooled);
        }
      }
    }
    System.out.printf("BertTowerParityIT: %d WikiMEL texts in %.0f s: max abs diff t_tok %.3g,"
        + " t_cls %.3g%n", texts.size(), (System.nanoTime() - started) / 1e9, worstToken,
        worstPooled);
    assertTrue(worstToken <= TOLERANCE, "t_tok max abs diff " + worstToken);
    assertTrue(worstPooled <= TOLERANCE, "t_cls max abs diff " + worstPooled);
  }

  @Test
  void exportedModelLoadsWithoutPixelsAndEncodesEachEntityAlone() throws IOException {
    List<String> texts = sample(wikiMelTexts(), "3");
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults())) {
      int[][] ids = tokenizer.encodeBatch(texts, config.contextLength());
      float[][] ignoredPixels = new float[texts.size()][3 * 224 * 224];
      EntityEncodings together = model.encodeEntities(ids, ignoredPixels);
      EntityEncodings alone = model.encodeEntities(new int[][] {ids[1]}, null);
      int r = config.retrievalDim();
      float[] second = Arrays.copyOfRange(together.retrieval(), r, 2 * r);
      assertEquals(384 + 3 * 96, r);
      for (int d = 0; d < r; d++) {
        assertEquals(second[d], alone.retrieval()[d], 1e-5, "retrieval[" + d + "]");
      }
      assertArrayEquals(Arrays.copyOfRange(together.imageC(), 0, 96),
          Arrays.copyOfRange(together.imageC(), 96, 192), "text-only: image features are constant");
    }
  }

  /** Entity texts of the whole KB, then the mention texts of every split, in file order. */
  private static List<String> wikiMelTexts() throws IOException {
    LinkingDataset data =
        DatasetReaders.open(SharedData.root().resolve("wikimel"), DatasetFormat.AUTO);
    List<String> texts = new ArrayList<>();
    data.kb().forEach(entity -> texts.add(FrozenTextSource.entityText(entity)));
    for (String split : data.splitNames()) {
      data.split(split).forEach(mention -> texts.add(FrozenTextSource.mentionText(mention)));
    }
    return texts;
  }

  /** Every text for "all", else {@code count} texts spread evenly over the list. */
  private static List<String> sample(List<String> texts, String wanted) {
    if ("all".equals(wanted)) {
      return texts;
    }
    int count = wanted == null ? DEFAULT_SAMPLE : Integer.parseInt(wanted);
    List<String> picked = new ArrayList<>(count);
    for (int i = 0; i < count && i < texts.size(); i++) {
      picked.add(texts.get((int) ((long) i * texts.size() / Math.min(count, texts.size()))));
    }
    return picked;
  }

  /** ONNX Runtime on one unpadded sequence: [length * width] last hidden states. */
  private static float[] onnxHiddenStates(int[] sequence) throws OrtException {
    long[] ids = Arrays.stream(sequence).asLongStream().toArray();
    long[] mask = new long[ids.length];
    Arrays.fill(mask, 1);
    long[] shape = {1, ids.length};
    try (OnnxTensor idTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
        OnnxTensor maskTensor =
            OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
        OnnxTensor types =
            OnnxTensor.createTensor(environment, LongBuffer.allocate(ids.length), shape);
        OrtSession.Result result = reference.run(Map.of("input_ids", idTensor,
            "attention_mask", maskTensor, "token_type_ids", types))) {
      FloatBuffer hidden = ((OnnxTensor) result.get("last_hidden_state").orElseThrow())
          .getFloatBuffer();
      float[] values = new float[hidden.remaining()];
      hidden.get(values);
      return values;
    }
  }

  private static float[] normalised(float[] vector) {
    double squares = 0;
    for (float v : vector) {
      squares += (double) v * v;
    }
    double scale = 1 / Math.max(Math.sqrt(squares), 1e-12);
    float[] out = new float[vector.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (vector[i] * scale);
    }
    return out;
  }
}
