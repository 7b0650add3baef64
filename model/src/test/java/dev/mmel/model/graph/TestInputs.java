package dev.mmel.model.graph;

import dev.mmel.model.config.ModelConfig;
import java.util.Random;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Random model inputs shaped like real ones: BOS, tokens, EOS, then EOS padding. */
final class TestInputs {
  private TestInputs() {}

  static int[][] idRows(Random random, int n, ModelConfig config) {
    int length = config.contextLength();
    int[][] rows = new int[n][length];
    for (int i = 0; i < n; i++) {
      int tokens = random.nextInt(length - 1);
      rows[i][0] = ModelConfig.BOS_TOKEN;
      for (int j = 1; j < length; j++) {
        rows[i][j] = j <= tokens ? random.nextInt(49000) : ModelConfig.EOS_TOKEN;
      }
    }
    return rows;
  }

  static TInt32 ids(Random random, int n, ModelConfig config) {
    int[][] rows = idRows(random, n, config);
    int length = config.contextLength();
    TInt32 tensor = TInt32.tensorOf(Shape.of(n, length));
    for (int i = 0; i < n; i++) {
      tensor.asRawTensor().data().asInts().offset((long) i * length).write(rows[i]);
    }
    return tensor;
  }

  /** Normalised-pixel-like noise; with {@code someMissing} every other image is all zeros. */
  static TFloat32 pixels(Random random, int n, ModelConfig config, boolean someMissing) {
    int size = config.vision().imageSize();
    TFloat32 tensor = TFloat32.tensorOf(Shape.of(n, 3, size, size));
    FloatDataBuffer data = tensor.asRawTensor().data().asFloats();
    int per = 3 * size * size;
    float[] image = new float[per];
    for (int i = 0; i < n; i++) {
      boolean missing = someMissing && i % 2 == 0;
      for (int j = 0; j < per; j++) {
        image[j] = missing ? 0f : (float) (random.nextGaussian() * 1.2);
      }
      data.offset((long) i * per).write(image);
    }
    return tensor;
  }

  static float[] read(Tensor tensor) {
    FloatDataBuffer data = ((TFloat32) tensor).asRawTensor().data().asFloats();
    float[] values = new float[(int) data.size()];
    data.read(values);
    return values;
  }
}
