package dev.mmel.model.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * The model can fit: a tiny random CLIP + matcher trained end to end for a few hundred AdamW
 * steps on 32 synthetic (mention, entity) pairs reaches training Hits@1 near 1 over the set.
 * Mentions are their entity's text with a few tokens replaced, so only learning separates them.
 */
class TrainingOverfitIT {
  @Test
  void aTinyModelFitsASmallSyntheticSet() {
    ModelConfig config = ModelPresets.get(ModelPresets.TINY);
    int n = 32;
    Random random = new Random(5);
    SideBatch.Tokens entities = TrainingGraphTest.tokens(random, n, config);
    int[][] mentionIds = new int[n][];
    for (int i = 0; i < n; i++) {
      mentionIds[i] = entities.ids()[i].clone();
      for (int r = 0; r < 3; r++) {
        mentionIds[i][1 + random.nextInt(8)] = 1 + random.nextInt(49000);
      }
    }
    SideBatch.Tokens mentions = new SideBatch.Tokens(mentionIds, new float[n][]);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.endToEnd(graph, config, AdamW.spec(1e-3));
      training.writeParameters(session, TrainingGraphTest.randomWeights(training.layout(), 8));
      training.initOptimiser(session);
      double before = hitsAt1(training.scores(session, mentions, entities), n);
      TrainingGraph.Losses first = training.losses(session, mentions, entities);
      TrainingGraph.Losses last = first;
      for (int step = 0; step < 300; step++) {
        last = training.step(session, mentions, entities);
      }
      double after = hitsAt1(training.scores(session, mentions, entities), n);
      // No item has an image, so S_image is the same for every pair and CE(S_image) stays at
      // ln B whatever is learned; the other three terms must collapse.
      float learnable = last.total() - last.image();
      assertTrue(after >= 0.95 && learnable < (first.total() - first.image()) / 4,
          "training H@1 " + before + " -> " + after + ", losses " + first + " -> " + last);
      assertTrue(Math.abs(last.image() - Math.log(n)) < 0.01, "image term " + last.image());
    }
  }

  private static double hitsAt1(float[] scores, int n) {
    int hits = 0;
    for (int b = 0; b < n; b++) {
      int best = 0;
      for (int j = 1; j < n; j++) {
        if (scores[b * n + j] > scores[b * n + best]) {
          best = j;
        }
      }
      hits += best == b ? 1 : 0;
    }
    return (double) hits / n;
  }
}
