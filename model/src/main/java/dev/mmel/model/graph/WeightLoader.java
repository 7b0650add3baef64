package dev.mmel.model.graph;

import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Copies weights from a safetensors file (canonical names) into a session's variables, one tensor
 * at a time so peak memory stays at the largest single tensor. The file must hold exactly the
 * layout's parameters; {@link WeightImporter} is what maps foreign checkpoints onto that.
 */
public final class WeightLoader {
  /** Floats copied per session run: bounds the extra memory a load needs (256 MB). */
  private static final long CHUNK_FLOATS = 64L << 20;

  private WeightLoader() {}

  public static void load(Session session, MmoeGraph graph, SafetensorsFile weights)
      throws IOException {
    ParameterLayout layout = ParameterLayout.of(graph.config());
    List<ParameterSpec> chunk = new ArrayList<>();
    long chunkFloats = 0;
    for (ParameterSpec spec : layout.specs()) {
      check(spec, weights);
      if (!chunk.isEmpty() && chunkFloats + spec.size() > CHUNK_FLOATS) {
        assign(session, graph, weights, chunk);
        chunk.clear();
        chunkFloats = 0;
      }
      chunk.add(spec);
      chunkFloats += spec.size();
    }
    assign(session, graph, weights, chunk);
  }

  private static void check(ParameterSpec spec, SafetensorsFile weights) {
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
  }

  /**
   * Assigns a group of parameters in one session run: each distinct set of feeds makes
   * TensorFlow prune and plan the whole graph again, so one run per tensor would cost more than
   * the copying itself.
   */
  private static void assign(Session session, MmoeGraph graph, SafetensorsFile weights,
      List<ParameterSpec> specs) throws IOException {
    List<TFloat32> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (ParameterSpec spec : specs) {
        TFloat32 value = TFloat32.tensorOf(Shape.of(spec.shape()));
        tensors.add(value);
        FloatBuffer staging = FloatBuffer.allocate(Math.toIntExact(spec.size()));
        weights.readFloats(spec.name(), staging);
        value.asRawTensor().data().asFloats().write(staging.array());
        runner.feed(graph.parameters().loadInput(spec.name()), value)
            .addTarget(graph.parameters().loadOp(spec.name()));
      }
      runner.run();
    } finally {
      tensors.forEach(TFloat32::close);
    }
  }
}
