package dev.mmel.model.graph;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.FlatRows;
import dev.mmel.core.MentionEncodings;
import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterLayout;
import dev.mmel.model.params.ParameterNames;
import dev.mmel.model.tensor.TensorCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * Exhaustive ranking (spec 8) built on the serving split (spec 9): per-side encodings with a
 * batch-independent gate, F of every pair as one matrix product together with an interval that
 * holds I ({@link LocalTermBound}), and the exact S = F + I for chosen pairs, so that most pairs
 * can be ranked without their exact score and without changing any rank.
 */
public final class EvaluationGraph {
  /** Entity-side encodings, and what the interval of I needs of each entity (row-major). */
  public record Entities(EntityEncodings encodings, float[] localSummary) {
    public int count() {
      return encodings.count();
    }

    public Entities select(int[] rows) {
      return new Entities(encodings.select(rows),
          FlatRows.gather(localSummary, count(), rows));
    }

    public static Entities concat(List<Entities> blocks) {
      return new Entities(
          EntityEncodings.concat(blocks.stream().map(Entities::encodings).toList()),
          FlatRows.concat(blocks, Entities::localSummary));
    }
  }

  /** Mention-side encodings, and the interval's summary of each mention (row-major). */
  public record Mentions(MentionEncodings encodings, float[] localSummary) {
    public int count() {
      return encodings.count();
    }

    public Mentions select(int[] rows) {
      return new Mentions(encodings.select(rows), FlatRows.gather(localSummary, count(), rows));
    }

    public static Mentions concat(List<Mentions> blocks) {
      return new Mentions(
          MentionEncodings.concat(blocks.stream().map(Mentions::encodings).toList()),
          FlatRows.concat(blocks, Mentions::localSummary));
    }
  }

  /** For m mentions against n entities, [m*n] row-major: F, and lower <= I <= upper. */
  public record Screen(float[] fast, float[] lower, float[] upper) {}

  private final MatcherInputs inputs;
  private final ModelParameters params;
  private final SideInputs entityInputs;
  private final SideInputs mentionInputs;
  private final List<Operand<TFloat32>> entityOutputs;
  private final List<Operand<TFloat32>> mentionOutputs;
  private final Placeholder<TFloat32> screenQuery;
  private final Placeholder<TFloat32> screenRetrieval;
  private final Placeholder<TFloat32> screenMentionSummary;
  private final Placeholder<TFloat32> screenEntitySummary;
  private final List<Operand<TFloat32>> screenOutputs;
  private final List<Placeholder<TFloat32>> pairMention;
  private final List<Placeholder<TFloat32>> pairEntity;
  private final Operand<TFloat32> pairScores;

  private EvaluationGraph(Ops tf, MatcherInputs inputs, ModelParameters params, Layers layers,
      MmoeMatcher matcher, SideInputs entityInputs, SideInputs mentionInputs) {
    this.inputs = inputs;
    this.params = params;
    this.entityInputs = entityInputs;
    this.mentionInputs = mentionInputs;
    Gating gating = inputs.matcher().gateMode() == GateMode.FAITHFUL
        ? Gating.FAITHFUL_FROZEN : Gating.PER_TOKEN;
    MmoeMatcher.EntityEncoding entity =
        matcher.encodeEntities(entityInputs.sideFeatures(), gating, null);
    Operand<TFloat32> entitySummary = tf.concat(List.of(
        LocalTermBound.entitySummary(layers, entity.textC(), entity.textQuery(),
            ParameterNames.TEXT_UNIT),
        LocalTermBound.entitySummary(layers, entity.imageC(), entity.imageQuery(),
            ParameterNames.VISION_UNIT)), layers.axis(-1));
    this.entityOutputs = List.of(entity.retrieval(), entity.textC(), entity.textQuery(),
        entity.imageC(), entity.imageQuery(), entitySummary);
    MmoeMatcher.MentionEncoding mention =
        matcher.encodeMentions(mentionInputs.sideFeatures(), gating, null);
    Operand<TFloat32> mentionSummary = tf.concat(List.of(
        LocalTermBound.mentionSummary(layers, mention.textKey(), mention.textValue(),
            inputs.layerNormEps()),
        LocalTermBound.mentionSummary(layers, mention.imageKey(), mention.imageValue(),
            inputs.layerNormEps())), layers.axis(-1));
    this.mentionOutputs = List.of(mention.query(), mention.textKey(), mention.textValue(),
        mention.imageKey(), mention.imageValue(), mentionSummary);
    int r = inputs.retrievalDim();
    int d = inputs.matcher().hiddenDim();
    int l = inputs.positions();
    this.screenQuery = floats(tf, "eval_screen_query", -1, r);
    this.screenRetrieval = floats(tf, "eval_screen_retrieval", -1, r);
    this.screenMentionSummary =
        floats(tf, "eval_screen_mention_summary", -1, LocalTermBound.mentionWidth(d));
    this.screenEntitySummary =
        floats(tf, "eval_screen_entity_summary", -1, LocalTermBound.entityWidth(d));
    LocalTermBound.Interval interval =
        LocalTermBound.interval(layers, screenMentionSummary, screenEntitySummary, d);
    this.screenOutputs = List.of(
        tf.linalg.matMul(screenQuery, screenRetrieval, MatMul.transposeB(true)),
        interval.lower(), interval.upper());
    this.pairMention = List.of(floats(tf, "eval_pair_query", -1, r),
        floats(tf, "eval_pair_text_key", -1, l, d), floats(tf, "eval_pair_text_value", -1, l, d),
        floats(tf, "eval_pair_image_key", -1, l, d), floats(tf, "eval_pair_image_value", -1, l, d));
    this.pairEntity = List.of(floats(tf, "eval_pair_retrieval", -1, 1, r),
        floats(tf, "eval_pair_text_c", -1, 1, d), floats(tf, "eval_pair_text_query", -1, 1, l, d),
        floats(tf, "eval_pair_image_c", -1, 1, d),
        floats(tf, "eval_pair_image_query", -1, 1, l, d));
    MmoeMatcher.Scores scores = matcher.scoreCandidates(
        new MmoeMatcher.MentionEncoding(pairMention.get(0), pairMention.get(1),
            pairMention.get(2), pairMention.get(3), pairMention.get(4)),
        new MmoeMatcher.EntityEncoding(pairEntity.get(0), pairEntity.get(1), pairEntity.get(2),
            pairEntity.get(3), pairEntity.get(4)));
    this.pairScores = scores.total();
  }

  public static EvaluationGraph overFeatures(Graph graph, MatcherInputs inputs) {
    Ops tf = Ops.create(graph);
    ModelParameters params = ModelParameters.create(tf, ParameterLayout.head(inputs));
    Layers layers = new Layers(tf, params, inputs.layerNormEps());
    MmoeMatcher matcher = new MmoeMatcher(layers, inputs);
    return new EvaluationGraph(tf, inputs, params, layers, matcher,
        SideInputs.features(tf, inputs, matcher, "eval_entity"),
        SideInputs.features(tf, inputs, matcher, "eval_mention"));
  }

  public static EvaluationGraph endToEnd(Graph graph, ModelConfig config) {
    Ops tf = Ops.create(graph);
    ModelParameters params = ModelParameters.create(tf, ParameterLayout.of(config));
    Layers layers = new Layers(tf, params, config.layerNormEps());
    MmoeGraph.Builder model = new MmoeGraph.Builder(tf, config, params);
    MmoeMatcher matcher = new MmoeMatcher(layers, config.matcherInputs());
    return new EvaluationGraph(tf, config.matcherInputs(), params, layers, matcher,
        SideInputs.tokens(model, config, "eval_entity"),
        SideInputs.tokens(model, config, "eval_mention"));
  }

  public MatcherInputs inputs() {
    return inputs;
  }

  public void writeParameters(Session session, Map<String, float[]> values) {
    params.write(session, values);
  }

  public Entities encodeEntities(Session session, SideBatch entities) {
    List<float[]> out = run(session, entityInputs, entities, entityOutputs);
    return new Entities(new EntityEncodings(entities.count(), inputs.retrievalDim(),
        inputs.matcher().hiddenDim(), inputs.positions(), inputs.positions(), out.get(0),
        out.get(1), out.get(2), out.get(3), out.get(4)), out.get(5));
  }

  public Mentions encodeMentions(Session session, SideBatch mentions) {
    List<float[]> out = run(session, mentionInputs, mentions, mentionOutputs);
    return new Mentions(new MentionEncodings(mentions.count(), inputs.retrievalDim(),
        inputs.matcher().hiddenDim(), inputs.positions(), inputs.positions(), out.get(0),
        out.get(1), out.get(2), out.get(3), out.get(4)), out.get(5));
  }

  /** F and the interval of I for every (mention, entity) pair. */
  public Screen screen(Session session, Mentions mentions, Entities entities) {
    int r = inputs.retrievalDim();
    int d = inputs.matcher().hiddenDim();
    int m = mentions.count();
    int n = entities.count();
    try (TFloat32 q = TensorCodec.flat(mentions.encodings().query(), m, r);
        TFloat32 e = TensorCodec.flat(entities.encodings().retrieval(), n, r);
        TFloat32 ms = TensorCodec.flat(mentions.localSummary(), m,
            LocalTermBound.mentionWidth(d));
        TFloat32 es = TensorCodec.flat(entities.localSummary(), n,
            LocalTermBound.entityWidth(d))) {
      Session.Runner runner = session.runner().feed(screenQuery, q).feed(screenRetrieval, e)
          .feed(screenMentionSummary, ms).feed(screenEntitySummary, es);
      screenOutputs.forEach(runner::fetch);
      try (Result result = runner.run()) {
        return new Screen(TensorCodec.read(result.get(0)), TensorCodec.read(result.get(1)),
            TensorCodec.read(result.get(2)));
      }
    }
  }

  /**
   * The exact S of p pairs: row i of the mention arrays with row i of the entity arrays (the
   * same per-row widths as {@link Mentions} and {@link Entities}).
   */
  public float[] pairScores(Session session, Mentions mentionRows, Entities entityRows) {
    MentionEncodings mentions = mentionRows.encodings();
    EntityEncodings entities = entityRows.encodings();
    if (mentions.count() != entities.count()) {
      throw new IllegalArgumentException("pairs need one entity per mention: "
          + mentions.count() + " mentions, " + entities.count() + " entities");
    }
    int p = mentions.count();
    int r = inputs.retrievalDim();
    int d = inputs.matcher().hiddenDim();
    int l = inputs.positions();
    List<Tensor> fed = new ArrayList<>();
    try {
      fed.add(TensorCodec.flat(mentions.query(), p, r));
      fed.add(TensorCodec.flat(mentions.textKey(), p, l, d));
      fed.add(TensorCodec.flat(mentions.textValue(), p, l, d));
      fed.add(TensorCodec.flat(mentions.imageKey(), p, l, d));
      fed.add(TensorCodec.flat(mentions.imageValue(), p, l, d));
      fed.add(TensorCodec.flat(entities.retrieval(), p, 1, r));
      fed.add(TensorCodec.flat(entities.textC(), p, 1, d));
      fed.add(TensorCodec.flat(entities.textQuery(), p, 1, l, d));
      fed.add(TensorCodec.flat(entities.imageC(), p, 1, d));
      fed.add(TensorCodec.flat(entities.imageQuery(), p, 1, l, d));
      Session.Runner runner = session.runner();
      for (int i = 0; i < 5; i++) {
        runner.feed(pairMention.get(i), fed.get(i));
        runner.feed(pairEntity.get(i), fed.get(5 + i));
      }
      try (Result result = runner.fetch(pairScores).run()) {
        return TensorCodec.read(result.get(0));
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private static List<float[]> run(Session session, SideInputs side, SideBatch batch,
      List<Operand<TFloat32>> outputs) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      side.feed(runner, batch, fed);
      outputs.forEach(runner::fetch);
      try (Result result = runner.run()) {
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
          values.add(TensorCodec.read(result.get(i)));
        }
        return values;
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private static Placeholder<TFloat32> floats(Ops tf, String name, long... shape) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
  }
}
