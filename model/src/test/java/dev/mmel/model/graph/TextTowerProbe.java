package dev.mmel.model.graph;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.tensor.TensorCodec;
import dev.mmel.model.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt32;

/**
 * A model directory's text tower alone, built beside its full graph on the same variables, so
 * tests can read t_cls and t_tok, which no signature exports.
 */
final class TextTowerProbe implements AutoCloseable {
  /** {@code cls} [n * T], {@code tokens} [n * L * T], row-major. */
  record Features(float[] cls, float[] tokens) {}

  private final Graph graph;
  private final Session session;
  private final Placeholder<TInt32> ids;
  private final TextEncoder.Output output;
  private final int length;

  TextTowerProbe(Path modelDir) throws IOException {
    ModelDirectory directory = new ModelDirectory(modelDir);
    ModelConfig config = directory.readConfig();
    this.length = config.contextLength();
    this.graph = new Graph();
    try {
      MmoeGraph model = MmoeGraph.build(graph, config, "probe");
      Ops tf = Ops.create(graph);
      Layers layers = new Layers(tf, model.parameters(), config.layerNormEps());
      this.ids = tf.withName("probe_ids")
          .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, length)));
      this.output = TextEncoder.of(layers, config).apply(ids);
      this.session = new Session(graph);
      try (SafetensorsFile weights = SafetensorsFile.open(directory.weights())) {
        WeightLoader.load(session, model, weights);
      }
    } catch (IOException | RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  Features run(int[][] rows) {
    try (TInt32 input = TensorCodec.ids(rows, length);
        Result result = session.runner().feed(ids, input)
            .fetch(output.cls()).fetch(output.tokens()).run()) {
      return new Features(TensorCodec.read(result.get(0)), TensorCodec.read(result.get(1)));
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
