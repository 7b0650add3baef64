package dev.mmel.model.io;

import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsWriter;
import dev.mmel.model.weights.TensorDType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a model's parameters with random values. Each tensor draws from its own stream seeded by
 * (seed, name), so a tensor's values do not depend on which other tensors exist or their order.
 */
public final class RandomWeights {
  private RandomWeights() {}

  public static void write(ParameterLayout layout, long seed, Path target) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    for (ParameterSpec spec : layout.specs()) {
      writer.add(spec.name(), TensorDType.F32, spec.shape(), sink -> sink.put(values(spec, seed)));
    }
    writer.write(target);
  }

  /** The random values the initialiser gives a parameter (used also for missing tensors on import). */
  public static float[] values(ParameterSpec spec, long seed) {
    float[] values = new float[Math.toIntExact(spec.size())];
    spec.init().fill(values, streamFor(spec.name(), seed));
    return values;
  }

  private static SplittableRandom streamFor(String name, long seed) {
    long hash = seed;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      hash = hash * 0x100000001B3L ^ b;
    }
    return new SplittableRandom(hash);
  }
}
