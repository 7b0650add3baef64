package dev.mmel.model.graph;

import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Copies weights from a safetensors file (canonical names) into a session's variables, one tensor
 * at a time so peak memory stays at the largest single tensor. The file must hold exactly the
 * layout's parameters; {@link WeightImporter} is what maps foreign checkpoints onto that.
 */
public final class WeightLoader {
  private WeightLoader() {}

  public static void load(Session session, MmoeGraph graph, SafetensorsFile weights)
      throws IOException {
    ParameterLayout layout = ParameterLayout.of(graph.config());
    for (ParameterSpec spec : layout.specs()) {
      if (!weights.contains(spec.name())) {
        throw new IllegalArgumentException(weights.path() + " has no tensor '" + spec.name()
            + "'; re-create the model directory with `mmel model import` or `mmel model init`");
      }
      long[] stored = weights.info(spec.name()).shape();
      if (!Arrays.equals(stored, spec.shape())) {
        throw new IllegalArgumentException(weights.path() + ": tensor '" + spec.name()
            + "' has shape " + Arrays.toString(stored) + ", the config needs "
            + spec.shapeText());
      }
      try (TFloat32 value = TFloat32.tensorOf(Shape.of(spec.shape()))) {
        FloatBuffer staging = FloatBuffer.allocate((int) spec.size());
        weights.readFloats(spec.name(), staging);
        value.asRawTensor().data().asFloats().write(staging.array());
        session.runner()
            .feed(graph.parameters().loadInput(spec.name()), value)
            .addTarget(graph.parameters().loadOp(spec.name()))
            .run();
      }
    }
  }
}
