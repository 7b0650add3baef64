package dev.mmel.model.graph;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.io.RandomWeights;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import java.util.SplittableRandom;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Loads random weights straight into a session: the usual initialisers plus noise on every
 * tensor, so LayerNorm scales are not all one and biases not all zero (tests must exercise them).
 * Frozen gate means get positive values, as measured means are.
 */
final class TestWeights {
  private TestWeights() {}

  static void loadNoisy(Session session, ModelParameters params, ModelConfig config, long seed) {
    SplittableRandom noise = new SplittableRandom(seed);
    for (ParameterSpec spec : ParameterLayout.of(config).specs()) {
      float[] values = RandomWeights.values(spec, seed);
      for (int i = 0; i < values.length; i++) {
        values[i] = spec.group() == ParameterGroup.GATE_STATISTICS
            ? (float) (0.05 + 0.5 * noise.nextDouble())
            : values[i] + (float) ((noise.nextDouble() - 0.5) * 0.2);
      }
      try (TFloat32 tensor = TFloat32.tensorOf(Shape.of(spec.shape()))) {
        tensor.asRawTensor().data().asFloats().write(values);
        session.runner().feed(params.loadInput(spec.name()), tensor)
            .addTarget(params.loadOp(spec.name())).run();
      }
    }
  }
}
