package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.io.RandomWeights;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The spec 7 objective and optimiser on a tiny random CLIP + matcher trained end to end: the
 * first loss, the AdamW update against a plain-Java restatement, and analytic gradients against
 * finite differences for every parameter group.
 */
class TrainingGraphTest {
  private static final ModelConfig TINY = ModelPresets.get(ModelPresets.TINY);

  static Map<String, float[]> randomWeights(ParameterLayout layout, long seed) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (ParameterSpec spec : layout.specs()) {
      values.put(spec.name(), RandomWeights.values(spec, seed));
    }
    return values;
  }

  /**
   * Items a fresh model cannot tell apart: one text with a single differing token per item, and
   * the same image. Spec 7's "about 4 ln B" is the loss of rows of near-equal scores; texts that
   * differ throughout already spread a random tiny CLIP's pooled states enough to push the text
   * term well above ln B (measured 7.5 against 2.1 at B = 8).
   */
  static SideBatch.Tokens nearIdentical(Random random, int n, ModelConfig config) {
    int[][] ids = TestInputs.idRows(new Random(77), 1, config);
    int[][] rows = new int[n][];
    float[][] pixels = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = ids[0].clone();
      rows[i][1] = 1 + random.nextInt(49000);
    }
    return new SideBatch.Tokens(rows, pixels);
  }

  static SideBatch.Tokens tokens(Random random, int n, ModelConfig config) {
    float[][] pixels = new float[n][];
    int size = config.vision().imageSize();
    for (int i = 0; i < n; i++) {
      if (i % 2 == 1) {
        pixels[i] = new float[3 * size * size];
        for (int j = 0; j < pixels[i].length; j++) {
          pixels[i][j] = (float) random.nextGaussian();
        }
      }
    }
    return new SideBatch.Tokens(TestInputs.idRows(random, n, config), pixels);
  }

  @Test
  void firstLossOfAFreshModelIsAboutFourLnB() {
    for (GateMode mode : GateMode.values()) {
      ModelConfig config = TINY.withMatcher(TINY.matcher().withGateMode(mode));
      for (int batch : new int[] {8, 32}) {
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
          TrainingGraph training = TrainingGraph.endToEnd(graph, config, AdamW.spec(1e-3));
          training.writeParameters(session, randomWeights(training.layout(), 3));
          Random random = new Random(batch);
          TrainingGraph.Losses losses = training.losses(session,
              nearIdentical(random, batch, config), nearIdentical(random, batch, config));
          double expected = 4 * Math.log(batch);
          assertEquals(expected, losses.total(), 0.05 * expected,
              mode + " B=" + batch + ": " + losses);
          assertEquals(losses.total(),
              losses.score() + losses.text() + losses.image() + losses.cross(), 1e-4);
        }
      }
    }
  }

  @Test
  void adamWStepMatchesPlainJava() {
    AdamW adamW = new AdamW(1e-2, 0.9, 0.999, 1e-4, 0.1);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.endToEnd(graph, TINY, adamW);
      training.writeParameters(session, randomWeights(training.layout(), 5));
      training.initOptimiser(session);
      Random random = new Random(9);
      List<String> watched = List.of("matcher.text_module.fc_query.weight",
          "matcher.text_module.fc_query.bias", "encoder.clip.text_model.final_layer_norm.weight");
      Map<String, double[]> m = new LinkedHashMap<>();
      Map<String, double[]> v = new LinkedHashMap<>();
      for (int step = 1; step <= 3; step++) {
        SideBatch.Tokens mentions = tokens(random, 6, TINY);
        SideBatch.Tokens entities = tokens(random, 6, TINY);
        Map<String, float[]> before = training.readParameters(session, watched);
        Map<String, float[]> grads = training.gradients(session, mentions, entities);
        training.step(session, mentions, entities);
        Map<String, float[]> after = training.readParameters(session, watched);
        for (String name : watched) {
          float[] g = grads.get(name);
          double[] mm = m.computeIfAbsent(name, k -> new double[g.length]);
          double[] vv = v.computeIfAbsent(name, k -> new double[g.length]);
          double decay = name.endsWith(".bias") ? 0 : adamW.weightDecay();
          for (int i = 0; i < g.length; i++) {
            mm[i] = 0.9 * mm[i] + 0.1 * g[i];
            vv[i] = 0.999 * vv[i] + 0.001 * g[i] * g[i];
            double mHat = mm[i] / (1 - Math.pow(0.9, step));
            double vHat = vv[i] / (1 - Math.pow(0.999, step));
            double expected = before.get(name)[i] * (1 - adamW.learningRate() * decay)
                - adamW.learningRate() * mHat / (Math.sqrt(vHat) + adamW.epsilon());
            assertEquals(expected, after.get(name)[i], 2e-5 * Math.max(1, Math.abs(expected)),
                name + "[" + i + "] at step " + step);
          }
        }
      }
      assertEquals(3f, training.readOptimiser(session).get("adam_step")[0]);
    }
  }

  @Test
  void gradientsAgreeWithFiniteDifferencesForEveryParameterGroup() {
    Map<String, String> groups = new LinkedHashMap<>();
    groups.put("router", ".moe_layer.gate.w_gate.");
    groups.put("experts", ".moe_layer.experts.");
    groups.put("attention", "_module.fc_");
    groups.put("layer norms", "layernorm.");
    groups.put("cross unit", "matcher.cross_module.");
    groups.put("image projections", "encoder.image_");
    groups.put("clip text layers", "text_model.encoder.layers.");
    groups.put("clip vision layers", "vision_model.encoder.layers.");
    for (GateMode mode : GateMode.values()) {
      // Top-k selection is piecewise constant: a finite difference that crosses a switch of the
      // chosen experts measures the jump, not the slope. Keeping every expert (k = E) makes the
      // gates smooth while every weight still takes part.
      ModelConfig config = TINY.withMatcher(TINY.matcher().withGateMode(mode)
          .withTopK(TINY.matcher().experts()));
      try (Graph graph = new Graph(); Session session = new Session(graph)) {
        TrainingGraph training = TrainingGraph.endToEnd(graph, config, AdamW.spec(1e-3));
        Map<String, float[]> weights = randomWeights(training.layout(), 11);
        training.writeParameters(session, weights);
        Random random = new Random(4);
        SideBatch.Tokens mentions = tokens(random, 4, config);
        SideBatch.Tokens entities = tokens(random, 4, config);
        Map<String, float[]> grads = training.gradients(session, mentions, entities);
        for (Map.Entry<String, String> group : groups.entrySet()) {
          Map<String, float[]> direction = new LinkedHashMap<>();
          double analytic = 0;
          for (String name : training.trainedNames()) {
            if (!name.contains(group.getValue())) {
              continue;
            }
            float[] d = new float[weights.get(name).length];
            for (int i = 0; i < d.length; i++) {
              d[i] = (float) random.nextGaussian();
              analytic += d[i] * grads.get(name)[i];
            }
            direction.put(name, d);
          }
          assertFalse(direction.isEmpty(), "no parameters in group " + group.getKey());
          double norm = Math.sqrt(direction.values().stream()
              .mapToDouble(d -> { double s = 0; for (float x : d) { s += x * x; } return s; })
              .sum());
          double h = 1e-2 / norm;
          double plus = lossAlong(training, session, weights, direction, h, mentions, entities);
          double minus = lossAlong(training, session, weights, direction, -h, mentions, entities);
          double numeric = (plus - minus) / (2 * h);
          training.writeParameters(session, weights);
          assertEquals(analytic, numeric, 0.03 * Math.abs(analytic) + 2e-3 * norm,
              mode + " " + group.getKey() + ": analytic " + analytic + " numeric " + numeric);
          assertTrue(Math.abs(analytic) > 0, mode + " " + group.getKey() + " has zero gradient");
        }
      }
    }
  }

  private static double lossAlong(TrainingGraph training, Session session,
      Map<String, float[]> weights, Map<String, float[]> direction, double h,
      SideBatch mentions, SideBatch entities) {
    Map<String, float[]> moved = new LinkedHashMap<>();
    direction.forEach((name, d) -> {
      float[] w = weights.get(name).clone();
      for (int i = 0; i < w.length; i++) {
        w[i] += (float) (h * d[i]);
      }
      moved.put(name, w);
    });
    training.writeParameters(session, moved);
    return training.losses(session, mentions, entities).total();
  }
}
