package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherConfig;
import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.io.RandomWeights;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The interval of I from {@link LocalTermBound} holds the exact I = S - F of every pair, for
 * random weights and features (images present), both gate modes, and attention logits scaled
 * from nearly uniform to saturated, which exercises each of the radius caps; and with small
 * logits it is far tighter than the plain bound |a| + |c . beta| per unit.
 */
class LocalTermBoundTest {
  private static final int MENTIONS = 12;
  private static final int ENTITIES = 40;

  @ParameterizedTest(name = "{0} gate, query/key weights x{1}")
  @CsvSource({"PER_TOKEN, 0.02", "PER_TOKEN, 1", "PER_TOKEN, 8", "FAITHFUL, 0.02",
      "FAITHFUL, 1", "FAITHFUL, 8"})
  void theIntervalHoldsTheExactLocalTermOfEveryPair(GateMode mode, double attentionScale) {
    MatcherInputs inputs =
        new MatcherInputs(16, 6, 8, 8, 1e-5, new MatcherConfig(8, 4, 2, mode, 8));
    Random random = new Random(17);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      EvaluationGraph evaluation = EvaluationGraph.overFeatures(graph, inputs);
      evaluation.writeParameters(session, weights(inputs, attentionScale, 23));
      EvaluationGraph.Mentions mentions =
          evaluation.encodeMentions(session, features(random, inputs, MENTIONS));
      EvaluationGraph.Entities entities =
          evaluation.encodeEntities(session, features(random, inputs, ENTITIES));
      EvaluationGraph.Screen screen = evaluation.screen(session, mentions, entities);
      assertEquals(MENTIONS * ENTITIES, screen.fast().length);
      double width = 0;
      double plainWidth = 0;
      int d = inputs.matcher().hiddenDim();
      for (int b = 0; b < MENTIONS; b++) {
        float[] exact = evaluation.pairScores(session, repeated(mentions, b, ENTITIES), entities);
        for (int j = 0; j < ENTITIES; j++) {
          int pair = b * ENTITIES + j;
          double local = exact[j] - screen.fast()[pair];
          double tolerance = 1e-4 * Math.max(1, Math.abs(exact[j]));
          assertTrue(screen.lower()[pair] - tolerance <= local
                  && local <= screen.upper()[pair] + tolerance,
              "pair " + b + "," + j + ": I = " + local + " outside [" + screen.lower()[pair]
                  + ", " + screen.upper()[pair] + "]");
          width += screen.upper()[pair] - screen.lower()[pair];
          plainWidth += 2 * plainBound(entities.localSummary(), j, d);
        }
      }
      if (attentionScale < 0.1) {
        assertTrue(width < 0.2 * plainWidth, "near-uniform attention must give a tight "
            + "interval: mean width " + width / plainWidth + " of the plain bound's");
      }
    }
  }

  /** (|a| + |c . beta|) / 6 summed over both units, from the entity summary's columns. */
  private static double plainBound(float[] summaries, int entity, int d) {
    int width = LocalTermBound.entityWidth(d);
    double sum = 0;
    for (int unit = 0; unit < 2; unit++) {
      int base = entity * width + unit * (d + 3);
      sum += Math.abs(summaries[base + d]) + summaries[base + d + 1];
    }
    return sum / 6;
  }

  private static Map<String, float[]> weights(MatcherInputs inputs, double attentionScale,
      long seed) {
    SplittableRandom noise = new SplittableRandom(seed);
    Map<String, float[]> values = new HashMap<>();
    for (ParameterSpec spec : ParameterLayout.head(inputs).specs()) {
      float[] v = RandomWeights.values(spec, seed);
      boolean attention = spec.name().contains("fc_query") || spec.name().contains("fc_key");
      for (int i = 0; i < v.length; i++) {
        if (spec.group() == ParameterGroup.GATE_STATISTICS) {
          v[i] = (float) (0.05 + 0.5 * noise.nextDouble());
        } else {
          v[i] += (float) ((noise.nextDouble() - 0.5) * 0.4);
          if (attention) {
            v[i] *= (float) attentionScale;
          }
        }
      }
      values.put(spec.name(), v);
    }
    assertTrue(values.keySet().stream()
        .anyMatch(name -> name.startsWith(ParameterNames.TEXT_UNIT) && name.contains("fc_key")));
    return values;
  }

  private static SideBatch features(Random random, MatcherInputs in, int n) {
    int l = in.positions();
    return new SideBatch.Features(n, gaussian(random, n * in.textWidth()),
        gaussian(random, n * l * in.textWidth()), gaussian(random, n * in.imageClsWidth()),
        gaussian(random, n * l * in.imageTokenWidth()));
  }

  private static float[] gaussian(Random random, int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static EvaluationGraph.Mentions repeated(EvaluationGraph.Mentions all, int row,
      int times) {
    int[] rows = new int[times];
    java.util.Arrays.fill(rows, row);
    return all.select(rows);
  }

}
