package dev.mmel.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.frozen.FrozenTextModel;
import dev.mmel.model.graph.AdamW;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.graph.TrainingGraph;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.weights.OnnxWeights;
import dev.mmel.model.weights.TensorSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The dual-encoder start, on the matcher over backbone features (random ones, so pooled vectors
 * differ as a trained tower's do): the score is an increasing affine function of the correlation
 * LN(t_m) . LN(t_e), so an untrained model ranks exactly as that dual encoder; and yet every
 * closed branch gets a gradient, so training can open it. The random start ranks otherwise.
 */
class MatcherStartTest {
  private static final ModelConfig TINY_BERT = ModelPresets.get(ModelPresets.TINY_BERT);
  private static final MatcherInputs INPUTS = TINY_BERT.matcherInputs();
  private static final int BATCH = 8;

  @TempDir
  static Path dir;
  private static Path tower;

  @BeforeAll
  static void createATower() throws IOException {
    tower = dir.resolve("original");
    ModelCreator.initRandom(TINY_BERT, 5, SharedData.file(SharedData.CLIP_VOCAB), tower);
  }

  @Test
  void anUntrainedDualEncoderStartRanksAsThePooledCorrelation() throws IOException {
    double[] fit = fitScoresToCorrelation(MatcherStart.DUAL_ENCODER, "de");
    assertTrue(fit[0] > 0, "score grows with the correlation, slope " + fit[0]);
    assertTrue(fit[1] < 1e-4, "score is affine in the correlation, residual " + fit[1]);
  }

  @Test
  void theRandomStartDoesNot() throws IOException {
    double[] fit = fitScoresToCorrelation(MatcherStart.RANDOM, "random");
    assertTrue(fit[1] > 1e-2, "a random matcher adds more than the correlation, residual "
        + fit[1]);
  }

  @Test
  void everyClosedBranchGetsAGradientFromTheFirstStep() throws IOException {
    Map<String, float[]> head = head(MatcherStart.DUAL_ENCODER, "de-gradient");
    Random random = new Random(3);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.overFeatures(graph, INPUTS,
          new AdamW(1e-3, 0.9, 0.999, 1e-4, 1e-4));
      training.writeParameters(session, head);
      training.initOptimiser(session);
      Map<String, float[]> gradients =
          training.gradients(session, features(random), features(random));
      for (String gain : List.of(ParameterNames.TEXT_UNIT + "layer_norm.weight",
          ParameterNames.CROSS_UNIT + "gate_layer_norm.weight")) {
        double norm = 0;
        for (float g : gradients.get(gain)) {
          norm += g * g;
        }
        assertTrue(norm > 1e-8, gain + " starts at 0 and must still get a gradient, |g|^2 = "
            + norm);
      }
    }
  }

  @Test
  void startsParseByTheirIds() {
    assertEquals(MatcherStart.DUAL_ENCODER, MatcherStart.parse("dual-encoder"));
    assertEquals(MatcherStart.DUAL_ENCODER, MatcherStart.parse("DUAL_ENCODER"));
    assertEquals(MatcherStart.RANDOM, MatcherStart.parse("random"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> MatcherStart.parse("warm"))
        .getMessage().contains("use random or dual-encoder"));
  }

  private static Map<String, float[]> head(MatcherStart start, String name) throws IOException {
    Path out = dir.resolve(name);
    try (TensorSource onnx = OnnxWeights.read(Path.of("tiny-bert.onnx"),
        OnnxExportFixture.of(tower, TINY_BERT).bytes())) {
      WeightImporter.importFrom(TINY_BERT, List.of(onnx),
          EnumSet.complementOf(EnumSet.of(ParameterGroup.BACKBONE)), 9, start, null, out);
    }
    return FrozenTextModel.headWeights(TINY_BERT,
        Checkpoint.read(new ModelDirectory(out).weights()));
  }

  private static SideBatch.Features features(Random random) {
    int width = INPUTS.textWidth();
    float[] pooled = new float[BATCH * width];
    float[] tokens = new float[BATCH * INPUTS.positions() * width];
    for (int i = 0; i < pooled.length; i++) {
      pooled[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (float) random.nextGaussian();
    }
    return new SideBatch.Features(BATCH, pooled, tokens, null, null);
  }

  /** Least squares S = a * corr + c over every pair of a batch: {a, largest |residual|}. */
  private static double[] fitScoresToCorrelation(MatcherStart start, String name)
      throws IOException {
    Map<String, float[]> head = head(start, name);
    Random random = new Random(11);
    SideBatch.Features mentions = features(random);
    SideBatch.Features entities = features(random);
    float[] scores;
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.overFeatures(graph, INPUTS,
          new AdamW(1e-3, 0.9, 0.999, 1e-4, 1e-4));
      training.writeParameters(session, head);
      scores = training.scores(session, mentions, entities);
    }
    float[] gain = head.get("matcher.text_cls_layernorm.weight");
    float[] bias = head.get("matcher.text_cls_layernorm.bias");
    int n = BATCH * BATCH;
    double[] x = new double[n];
    double[] y = new double[n];
    for (int b = 0; b < BATCH; b++) {
      double[] lm = layerNorm(mentions.textCls(), b, gain, bias);
      for (int e = 0; e < BATCH; e++) {
        double[] le = layerNorm(entities.textCls(), e, gain, bias);
        double dot = 0;
        for (int k = 0; k < lm.length; k++) {
          dot += lm[k] * le[k];
        }
        x[b * BATCH + e] = dot;
        y[b * BATCH + e] = scores[b * BATCH + e];
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

  private static double[] layerNorm(float[] rows, int row, float[] gain, float[] bias) {
    int w = gain.length;
    double mean = 0;
    for (int k = 0; k < w; k++) {
      mean += rows[row * w + k];
    }
    mean /= w;
    double var = 0;
    for (int k = 0; k < w; k++) {
      double d = rows[row * w + k] - mean;
      var += d * d;
    }
    var /= w;
    double[] out = new double[w];
    for (int k = 0; k < w; k++) {
      out[k] = (rows[row * w + k] - mean) / Math.sqrt(var + TINY_BERT.layerNormEps()) * gain[k]
          + bias[k];
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
