package dev.mmel.model.runtime;

import dev.mmel.model.config.ModelConfig;
import java.util.Random;

/** Random requests shaped like real ones; every third image is missing. */
final class Inputs {
  private Inputs() {}

  static int[][] ids(Random random, int n, ModelConfig config) {
    int length = config.contextLength();
    int[][] rows = new int[n][length];
    for (int i = 0; i < n; i++) {
      int tokens = 1 + random.nextInt(length - 2);
      rows[i][0] = ModelConfig.BOS_TOKEN;
      for (int j = 1; j < length; j++) {
        rows[i][j] = j <= tokens ? random.nextInt(49000) : ModelConfig.EOS_TOKEN;
      }
    }
    return rows;
  }

  static float[][] pixels(Random random, int n, ModelConfig config) {
    int size = config.vision().imageSize();
    float[][] images = new float[n][];
    for (int i = 0; i < n; i++) {
      if (i % 3 == 2) {
        continue;
      }
      images[i] = new float[3 * size * size];
      for (int j = 0; j < images[i].length; j++) {
        images[i][j] = (float) random.nextGaussian();
      }
    }
    return images;
  }
}
