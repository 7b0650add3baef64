package dev.mmel.model.graph;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.params.ParameterGroup;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.params.ParameterSpec;
import dev.mmel.model.tensor.TensorCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The training objective and optimiser of spec 7 as one graph: in-batch all-pairs scores for B
 * mentions against their B gold entities (the reference's batch-mean gate in faithful mode),
 * CE(S) + CE(S_text) + CE(S_image) + CE(S_cross) with row b's gold at column b, their gradients,
 * and a hand-written AdamW step (decoupled decay, biases exempt). Two input forms: backbone
 * features (frozen regime; only the head is in the graph) or token ids and pixels (end to end).
 */
public final class TrainingGraph {
  private static final String STEP = "adam_step";
  private static final String FIRST_MOMENT = "adam_m.";
  private static final String SECOND_MOMENT = "adam_v.";

  /** The scalar losses of one batch: the sum, and CE of S, S_text, S_image, S_cross. */
  public record Losses(float total, float score, float text, float image, float cross) {}

  private final ParameterLayout layout;
  private final MatcherInputs inputs;
  private final ModelParameters params;
  private final ModelParameters slots;
  private final SideInputs mentionInputs;
  private final SideInputs entityInputs;
  private final Operand<TFloat32> totalScores;
  private final List<Operand<TFloat32>> lossOutputs;
  private final List<String> trained;
  private final List<Output<?>> gradients;
  private final List<Op> updates;
  private final Op initSlots;
  private final Map<GateSite, Operand<TFloat32>> gateMeans;

  private TrainingGraph(Builder b) {
    this.layout = b.layout;
    this.inputs = b.inputs;
    this.params = b.params;
    this.slots = b.slots;
    this.mentionInputs = b.mentionInputs;
    this.entityInputs = b.entityInputs;
    this.totalScores = b.totalScores;
    this.lossOutputs = b.lossOutputs;
    this.trained = b.trained;
    this.gradients = b.gradients;
    this.updates = b.updates;
    this.initSlots = b.initSlots;
    this.gateMeans = b.gateMeans;
  }

  /** Frozen regime: the head over cached backbone features. */
  public static TrainingGraph overFeatures(Graph graph, MatcherInputs inputs, AdamW optimiser) {
    Ops tf = Ops.create(graph);
    Builder b = new Builder(tf, ParameterLayout.head(inputs), inputs, optimiser);
    MmoeMatcher matcher = new MmoeMatcher(b.layers, inputs);
    return b.finish(graph, matcher, SideInputs.features(tf, inputs, matcher, "train_mention"),
        SideInputs.features(tf, inputs, matcher, "train_entity"));
  }

  /** End to end: the CLIP towers are trained too. */
  public static TrainingGraph endToEnd(Graph graph, ModelConfig config, AdamW optimiser) {
    Ops tf = Ops.create(graph);
    Builder b = new Builder(tf, ParameterLayout.of(config), config.matcherInputs(), optimiser);
    MmoeGraph.Builder model = new MmoeGraph.Builder(tf, config, b.params);
    MmoeMatcher matcher = new MmoeMatcher(b.layers, config.matcherInputs());
    return b.finish(graph, matcher, SideInputs.tokens(model, config, "train_mention"),
        SideInputs.tokens(model, config, "train_entity"));
  }

  public ParameterLayout layout() {
    return layout;
  }

  /** Parameters the optimiser updates, in layout order. */
  public List<String> trainedNames() {
    return trained;
  }

  /** Sets every optimiser moment and the step counter to zero (a fresh run). */
  public void initOptimiser(Session session) {
    session.runner().addTarget(initSlots).run();
  }

  /** One AdamW step on this batch; returns the losses before the update. */
  public Losses step(Session session, SideBatch mentions, SideBatch entities) {
    return run(session, mentions, entities, true);
  }

  /** The losses without updating anything. */
  public Losses losses(Session session, SideBatch mentions, SideBatch entities) {
    return run(session, mentions, entities, false);
  }

  /** The all-pairs score S [B,B] of the batch (row: mention, column: entity), row-major. */
  public float[] scores(Session session, SideBatch mentions, SideBatch entities) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), mentions, entities, fed);
      try (Result result = runner.fetch(totalScores).run()) {
        return TensorCodec.read(result.get(0));
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** d(total loss)/d(parameter) for every trained parameter, flat row-major. */
  public Map<String, float[]> gradients(Session session, SideBatch mentions, SideBatch entities) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), mentions, entities, fed);
      gradients.forEach(runner::fetch);
      try (Result result = runner.run()) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (int i = 0; i < trained.size(); i++) {
          values.put(trained.get(i), TensorCodec.read(result.get(i)));
        }
        return values;
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** Faithful mode: each gate site's batch mean of Q for this batch (what calibration averages). */
  public Map<GateSite, float[]> gateMeans(Session session, SideBatch mentions,
      SideBatch entities) {
    if (gateMeans.isEmpty()) {
      throw new IllegalStateException("gate means exist only for a faithful-gate model");
    }
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), mentions, entities, fed);
      List<GateSite> sites = new ArrayList<>(gateMeans.keySet());
      sites.forEach(site -> runner.fetch(gateMeans.get(site)));
      try (Result result = runner.run()) {
        Map<GateSite, float[]> means = new EnumMap<>(GateSite.class);
        for (int i = 0; i < sites.size(); i++) {
          means.put(sites.get(i), TensorCodec.read(result.get(i)));
        }
        return means;
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** Current values of the named parameters (model weights). */
  public Map<String, float[]> readParameters(Session session, List<String> names) {
    return params.read(session, names);
  }

  /** Optimiser state: "adam_m.NAME" and "adam_v.NAME" per trained parameter, and "adam_step". */
  public Map<String, float[]> readOptimiser(Session session) {
    return slots.read(session, optimiserNames());
  }

  public void writeParameters(Session session, Map<String, float[]> values) {
    params.write(session, values);
  }

  public void writeOptimiser(Session session, Map<String, float[]> values) {
    slots.write(session, values);
  }

  /** Names of the optimiser state tensors, for checkpoint validation. */
  public List<String> optimiserNames() {
    return new ArrayList<>(slots.variables().keySet());
  }

  private Losses run(Session session, SideBatch mentions, SideBatch entities, boolean update) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), mentions, entities, fed);
      lossOutputs.forEach(runner::fetch);
      if (update) {
        updates.forEach(runner::addTarget);
      }
      try (Result result = runner.run()) {
        float[] v = new float[lossOutputs.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = ((TFloat32) result.get(i)).getFloat();
        }
        return new Losses(v[0], v[1], v[2], v[3], v[4]);
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private Session.Runner feed(Session.Runner runner, SideBatch mentions, SideBatch entities,
      List<Tensor> fed) {
    if (mentions.count() != entities.count()) {
      throw new IllegalArgumentException("in-batch training pairs mention b with entity b: "
          + mentions.count() + " mentions, " + entities.count() + " entities");
    }
    mentionInputs.feed(runner, mentions, fed);
    entityInputs.feed(runner, entities, fed);
    return runner;
  }

  private static final class Builder {
    private final Ops tf;
    private final ParameterLayout layout;
    private final MatcherInputs inputs;
    private final AdamW optimiser;
    private final ModelParameters params;
    private final Layers layers;
    private SideInputs mentionInputs;
    private SideInputs entityInputs;
    private Operand<TFloat32> totalScores;
    private ModelParameters slots;
    private List<Operand<TFloat32>> lossOutputs;
    private List<String> trained;
    private List<Output<?>> gradients;
    private List<Op> updates;
    private Op initSlots;
    private Map<GateSite, Operand<TFloat32>> gateMeans = Map.of();

    Builder(Ops tf, ParameterLayout layout, MatcherInputs inputs, AdamW optimiser) {
      this.tf = tf;
      this.layout = layout;
      this.inputs = inputs;
      this.optimiser = optimiser;
      this.params = ModelParameters.create(tf, layout);
      this.layers = new Layers(tf, params, inputs.layerNormEps());
    }

    TrainingGraph finish(Graph graph, MmoeMatcher matcher, SideInputs mention,
        SideInputs entity) {
      mentionInputs = mention;
      entityInputs = entity;
      boolean faithful = inputs.matcher().gateMode() == GateMode.FAITHFUL;
      GateRecorder recorder = faithful ? new GateRecorder() : null;
      MmoeMatcher.Scores scores = matcher.jointScores(mention.sideFeatures(),
          entity.sideFeatures(), faithful ? Gating.FAITHFUL_BATCH : Gating.PER_TOKEN, recorder);
      totalScores = scores.total();
      Operand<TFloat32> labels = identityLabels(scores.total());
      List<Operand<TFloat32>> parts = List.of(crossEntropy(scores.total(), labels),
          crossEntropy(scores.text(), labels), crossEntropy(scores.image(), labels),
          crossEntropy(scores.cross(), labels));
      Operand<TFloat32> total = tf.withName("train_loss").math.addN(parts);
      List<Operand<TFloat32>> outputs = new ArrayList<>();
      outputs.add(total);
      outputs.addAll(parts);
      lossOutputs = List.copyOf(outputs);
      if (recorder != null) {
        gateMeans = recorder.means();
      }
      buildGradients(graph, total);
      buildAdamW();
      return new TrainingGraph(this);
    }

    /** One-hot identity [B,B]: row b's gold entity is column b. */
    private Operand<TFloat32> identityLabels(Operand<TFloat32> scores) {
      Operand<TInt32> batch = tf.squeeze(tf.slice(tf.shape(scores), tf.constant(new int[] {0}),
          tf.constant(new int[] {1})));
      return tf.oneHot(tf.range(tf.constant(0), batch, tf.constant(1)), batch,
          tf.constant(1f), tf.constant(0f));
    }

    /** Mean over rows of the dense softmax cross entropy (the sparse op has no C gradient). */
    private Operand<TFloat32> crossEntropy(Operand<TFloat32> logits, Operand<TFloat32> labels) {
      return tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(),
          tf.constant(0));
    }

    /**
     * Gradients of every trainable weight. Weights the forward pass never reads (CLIP's
     * logit_scale, the reference's unused context LayerNorm) have no gradient and, as PyTorch's
     * AdamW skips parameters without .grad, are neither updated nor decayed.
     */
    private void buildGradients(Graph graph, Operand<TFloat32> loss) {
      List<String> names = new ArrayList<>();
      List<Output<?>> weights = new ArrayList<>();
      for (ParameterSpec spec : layout.specs()) {
        if (spec.group() != ParameterGroup.GATE_STATISTICS && !unusedByForward(spec.name())) {
          names.add(spec.name());
          weights.add(params.variables().get(spec.name()).asOutput());
        }
      }
      Output<?>[] all = graph.addGradients(loss.asOutput(), weights.toArray(Output<?>[]::new));
      trained = Collections.unmodifiableList(names);
      gradients = List.of(all);
    }

    private static boolean unusedByForward(String name) {
      return name.equals(ParameterNames.LOGIT_SCALE)
          || name.startsWith(ParameterNames.CROSS_UNIT + "context_layer_norm.");
    }

    private void buildAdamW() {
      Map<String, Shape> slotShapes = new LinkedHashMap<>();
      for (String name : trained) {
        Shape shape = Shape.of(layout.spec(name).shape());
        slotShapes.put(FIRST_MOMENT + name, shape);
        slotShapes.put(SECOND_MOMENT + name, shape);
      }
      slotShapes.put(STEP, Shape.scalar());
      slots = ModelParameters.create(tf.withSubScope("adamw"), slotShapes, "adamw_load");
      List<Op> inits = new ArrayList<>();
      slots.variables().values().forEach(variable -> inits.add(tf.assign(variable,
          tf.fill(tf.constant(variable.shape().asArray()), tf.constant(0f)))));
      initSlots = tf.withControlDependencies(inits).noOp();

      // Every read of a weight (forward and backward) must happen before any weight changes.
      List<Operation> barrier = new ArrayList<>();
      gradients.forEach(g -> barrier.add(g.op()));
      lossOutputs.forEach(l -> barrier.add(l.op()));
      Ops after = tf.withControlDependencyOps(barrier);
      Variable<TFloat32> step = slots.variables().get(STEP);
      Operand<TFloat32> t = after.math.add(step, after.constant(1f));
      Operand<TFloat32> correction1 = after.math.sub(after.constant(1f),
          after.math.pow(after.constant((float) optimiser.beta1()), t));
      Operand<TFloat32> correction2 = after.math.sub(after.constant(1f),
          after.math.pow(after.constant((float) optimiser.beta2()), t));
      Operand<TFloat32> lr = after.constant((float) optimiser.learningRate());
      List<Op> ops = new ArrayList<>();
      for (int i = 0; i < trained.size(); i++) {
        String name = trained.get(i);
        @SuppressWarnings("unchecked")
        Operand<TFloat32> g = (Operand<TFloat32>) gradients.get(i);
        Variable<TFloat32> p = params.variables().get(name);
        Variable<TFloat32> m = slots.variables().get(FIRST_MOMENT + name);
        Variable<TFloat32> v = slots.variables().get(SECOND_MOMENT + name);
        Operand<TFloat32> m1 = after.math.add(after.math.mul(m, after.constant(
            (float) optimiser.beta1())), after.math.mul(g, after.constant(
            (float) (1 - optimiser.beta1()))));
        Operand<TFloat32> v1 = after.math.add(after.math.mul(v, after.constant(
            (float) optimiser.beta2())), after.math.mul(after.math.square(g), after.constant(
            (float) (1 - optimiser.beta2()))));
        Operand<TFloat32> denominator = after.math.add(
            after.math.sqrt(after.math.div(v1, correction2)),
            after.constant((float) optimiser.epsilon()));
        Operand<TFloat32> update = after.math.mul(lr,
            after.math.div(after.math.div(m1, correction1), denominator));
        double decay = optimiser.decays(name) ? optimiser.weightDecay() : 0;
        Operand<TFloat32> decayed = after.math.mul(p,
            after.constant((float) (1 - optimiser.learningRate() * decay)));
        ops.add(after.assign(p, after.math.sub(decayed, update)));
        ops.add(after.assign(m, m1));
        ops.add(after.assign(v, v1));
      }
      ops.add(after.assign(step, t));
      updates = List.copyOf(ops);
    }
  }
}
