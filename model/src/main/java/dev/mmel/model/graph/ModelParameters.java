package dev.mmel.model.graph;

import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.tensor.TensorCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The model's variables in one graph, named exactly as the canonical parameter names so that a
 * SavedModel checkpoint's keys are those names too. Each variable gets a placeholder-fed assign
 * op, which is how weights from a file reach the graph without being baked in as constants.
 */
public final class ModelParameters {
  static final String LOAD_SCOPE = "mmel_load";

  private final Map<String, Variable<TFloat32>> variables;
  private final Map<String, Placeholder<TFloat32>> loadInputs;
  private final Map<String, Assign<TFloat32>> loadOps;

  private ModelParameters(Map<String, Variable<TFloat32>> variables,
      Map<String, Placeholder<TFloat32>> loadInputs, Map<String, Assign<TFloat32>> loadOps) {
    this.variables = Collections.unmodifiableMap(variables);
    this.loadInputs = Collections.unmodifiableMap(loadInputs);
    this.loadOps = Collections.unmodifiableMap(loadOps);
  }

  static ModelParameters create(Ops tf, ParameterLayout layout) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    for (ParameterSpec spec : layout.specs()) {
      shapes.put(spec.name(), Shape.of(spec.shape()));
    }
    return create(tf, shapes, LOAD_SCOPE);
  }

  /**
   * Variables of the given shapes, each with a placeholder-fed assign op under {@code loadScope}
   * (also used for optimiser state, which lives beside the weights in a training graph).
   */
  static ModelParameters create(Ops tf, Map<String, Shape> shapes, String loadScope) {
    Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
    Map<String, Placeholder<TFloat32>> inputs = new LinkedHashMap<>();
    Map<String, Assign<TFloat32>> assigns = new LinkedHashMap<>();
    Ops load = tf.withSubScope(loadScope);
    for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
      String name = entry.getKey();
      Variable<TFloat32> variable = tf.withName(name).variable(entry.getValue(), TFloat32.class);
      Placeholder<TFloat32> input = load.withName(name)
          .placeholder(TFloat32.class, Placeholder.shape(entry.getValue()));
      variables.put(name, variable);
      inputs.put(name, input);
      assigns.put(name, load.withName(name + ".assign").assign(variable, input));
    }
    return new ModelParameters(variables, inputs, assigns);
  }

  Variable<TFloat32> get(String name) {
    Variable<TFloat32> variable = variables.get(name);
    if (variable == null) {
      throw new IllegalStateException("graph has no variable " + name);
    }
    return variable;
  }

  public Map<String, Variable<TFloat32>> variables() {
    return variables;
  }

  Placeholder<TFloat32> loadInput(String name) {
    return loadInputs.get(name);
  }

  Assign<TFloat32> loadOp(String name) {
    return loadOps.get(name);
  }

  /** Current values of the named variables, flat row-major. */
  Map<String, float[]> read(Session session, List<String> names) {
    Session.Runner runner = session.runner();
    for (String name : names) {
      Variable<TFloat32> variable = variables.get(name);
      if (variable == null) {
        throw new IllegalArgumentException("the training graph has no variable '" + name + "'");
      }
      runner.fetch(variable);
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < names.size(); i++) {
        values.put(names.get(i), TensorCodec.read(result.get(i)));
      }
    }
    return values;
  }

  /** Assigns the given values (flat row-major) to the named variables in one run. */
  void write(Session session, Map<String, float[]> values) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (Map.Entry<String, float[]> entry : values.entrySet()) {
        Variable<TFloat32> variable = variables.get(entry.getKey());
        if (variable == null) {
          throw new IllegalArgumentException("the training graph has no variable '"
              + entry.getKey() + "'");
        }
        Shape shape = variable.shape();
        if (shape.size() != entry.getValue().length) {
          throw new IllegalArgumentException("'" + entry.getKey() + "' needs " + shape.size()
              + " floats (shape " + shape + "), got " + entry.getValue().length);
        }
        TFloat32 tensor = TensorCodec.flat(entry.getValue(), shape.asArray());
        tensors.add(tensor);
        runner.feed(loadInput(entry.getKey()), tensor)
            .addTarget(loadOp(entry.getKey()));
      }
      runner.run();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }
}
