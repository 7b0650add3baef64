package dev.mmel.app.cli;

import dev.mmel.model.config.ModelConfig;
import java.util.Random;

/** Deterministic synthetic model inputs of realistic shape for benchmarks. */
final class BenchInputs {
  private BenchInputs() {}

  static int[][] ids(int n, ModelConfig config) {
    Random random = new Random(n);
    int length = config.contextLength();
    int[][] rows = new int[n][length];
    for (int i = 0; i < n; i++) {
      int tokens = 10 + random.nextInt(length - 12);
      rows[i][0] = ModelConfig.BOS_TOKEN;
      for (int j = 1; j < length; j++) {
        rows[i][j] = j <= tokens ? random.nextInt(49000) : ModelConfig.EOS_TOKEN;
      }
    }
    return rows;
  }

  static float[][] pixels(int n, ModelConfig config) {
    Random random = new Random(n + 1);
    int size = config.vision().imageSize();
    float[][] images = new float[n][3 * size * size];
    for (float[] image : images) {
      for (int j = 0; j < image.length; j++) {
        image[j] = (float) random.nextGaussian();
      }
    }
    return images;
  }
}
