package dev.mmel.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.Scores;
import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.TextTokenizer;
import dev.mmel.model.weights.OnnxWeights;
import dev.mmel.model.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dual-encoder start: with the residual branches closed, an untrained model's score is an
 * increasing affine function of the correlation of the tower's pooled vectors, LN(t_m) . LN(t_e),
 * so it ranks exactly as that dual encoder; the random start does not.
 */
class MatcherStartTest {
  private static final ModelConfig TINY_BERT = ModelPresets.get(ModelPresets.TINY_BERT);
  private static final List<String> MENTIONS = List.of(
      "Paris [SEP] Paris is the capital of France.",
      "Jordan [SEP] Jordan scored forty points for Chicago.",
      "Amazon [SEP] The Amazon floods every year after the rains.");
  private static final List<String> ENTITIES = List.of(
      "Paris. capital and largest city of France",
      "Paris Hilton. American media personality",
      "Michael Jordan. American basketball player",
      "Jordan. country in Western Asia",
      "Amazon River. river in South America",
      "Amazon. American multinational technology company",
      "Chicago Bulls. basketball team");

  @TempDir
  static Path dir;
  private static Path tower;

  @BeforeAll
  static void createATower() throws IOException {
    tower = dir.resolve("original");
    ModelCreator.initRandom(TINY_BERT, 5, SharedData.file(SharedData.CLIP_VOCAB), tower);
  }

  @Test
  void anUntrainedDualEncoderStartRanksAsTheTowersPooledCorrelation() throws IOException {
    double[] fit = fitScoresToCorrelation(importWith(MatcherStart.DUAL_ENCODER, "de"));
    assertTrue(fit[0] > 0, "score grows with the correlation, slope " + fit[0]);
    assertTrue(fit[1] < 1e-4, "score is affine in the correlation, residual " + fit[1]);
  }

  @Test
  void theRandomStartDoesNot() throws IOException {
    double[] fit = fitScoresToCorrelation(importWith(MatcherStart.RANDOM, "random"));
    assertTrue(fit[1] > 1e-3, "a random matcher adds more than the correlation, residual "
        + fit[1]);
  }

  @Test
  void startsParseByTheirIds() {
    assertEquals(MatcherStart.DUAL_ENCODER, MatcherStart.parse("dual-encoder"));
    assertEquals(MatcherStart.DUAL_ENCODER, MatcherStart.parse("DUAL_ENCODER"));
    assertEquals(MatcherStart.RANDOM, MatcherStart.parse("random"));
    assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> MatcherStart.parse("warm")).getMessage().contains("use random or dual-encoder"));
  }

  private static Path importWith(MatcherStart start, String name) throws IOException {
    Path out = dir.resolve(name);
    try (TensorSource onnx = OnnxWeights.read(Path.of("tiny-bert.onnx"),
        OnnxExportFixture.of(tower, TINY_BERT).bytes())) {
      WeightImporter.importFrom(TINY_BERT, List.of(onnx),
          EnumSet.complementOf(EnumSet.of(ParameterGroup.BACKBONE)), 9, start, null, out);
    }
    return out;
  }

  /** Least squares S = a * corr + c over every pair: {a, largest absolute residual}. */
  private static double[] fitScoresToCorrelation(Path modelDir) throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    TextTokenizer tokenizer = directory.tokenizer();
    Map<String, float[]> weights = Checkpoint.read(directory.weights());
    float[] gain = weights.get("matcher.text_cls_layernorm.weight");
    float[] bias = weights.get("matcher.text_cls_layernorm.bias");
    int[][] mentionIds = tokenizer.encodeBatch(MENTIONS, TINY_BERT.contextLength());
    int[][] entityIds = tokenizer.encodeBatch(ENTITIES, TINY_BERT.contextLength());
    try (MmoeModel model = MmoeModel.load(modelDir, SessionSettings.defaults())) {
      Scores scores = model.scorePairs(mentionIds, null, entityIds, null);
      BgeFeatures m = model.encodeTexts(mentionIds);
      BgeFeatures e = model.encodeTexts(entityIds);
      int n = MENTIONS.size() * ENTITIES.size();
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < MENTIONS.size(); i++) {
        double[] lm = layerNorm(m, i, gain, bias);
        for (int j = 0; j < ENTITIES.size(); j++) {
          double[] le = layerNorm(e, j, gain, bias);
          double dot = 0;
          for (int k = 0; k < lm.length; k++) {
            dot += lm[k] * le[k];
          }
          x[i * ENTITIES.size() + j] = dot;
          y[i * ENTITIES.size() + j] = scores.total(i, j);
        }
      }
      double mx = mean(x);
      double my = mean(y);
      double sxy = 0;
      double sxx = 0;
      for (int k = 0; k < n; k++) {
        sxy += (x[k] - mx) * (y[k] - my);
        sxx += (x[k] - mx) * (x[k] - mx);
      }
      double slope = sxy / sxx;
      double residual = 0;
      for (int k = 0; k < n; k++) {
        residual = Math.max(residual, Math.abs(y[k] - (my + slope * (x[k] - mx))));
      }
      return new double[] {slope, residual};
    }
  }

  private static double[] layerNorm(BgeFeatures f, int row, float[] gain, float[] bias) {
    int w = f.width();
    double mean = 0;
    for (int k = 0; k < w; k++) {
      mean += f.pooled()[row * w + k];
    }
    mean /= w;
    double var = 0;
    for (int k = 0; k < w; k++) {
      double d = f.pooled()[row * w + k] - mean;
      var += d * d;
    }
    var /= w;
    double[] out = new double[w];
    for (int k = 0; k < w; k++) {
      out[k] = (f.pooled()[row * w + k] - mean) / Math.sqrt(var + TINY_BERT.layerNormEps())
          * gain[k] + bias[k];
    }
    return out;
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
