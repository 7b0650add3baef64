package dev.mmel.model.graph;

import dev.mmel.model.config.GateMode;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.params.ParameterLayout;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Builds the whole MMoE model into one TensorFlow graph: the variables, and the signatures that
 * every other module calls (entity encoding, mention encoding, candidate scoring, all-pairs
 * scoring; in faithful mode also the gate statistics that calibration averages). Encoding always
 * uses a batch-independent gate (per-token, or faithful with the frozen mean) so an entity's
 * vector never depends on what else was in its batch; all-pairs scoring in faithful mode uses
 * the batch mean, as the reference does.
 */
public final class MmoeGraph {
  private final ModelConfig config;
  private final ModelParameters parameters;
  private final List<Signature> signatures;

  private MmoeGraph(ModelConfig config, ModelParameters parameters, List<Signature> signatures) {
    this.config = config;
    this.parameters = parameters;
    this.signatures = List.copyOf(signatures);
  }

  public static MmoeGraph build(Graph graph, ModelConfig config, String versionId) {
    Ops tf = Ops.create(graph);
    ModelParameters parameters = ModelParameters.create(tf, ParameterLayout.of(config));
    Builder builder = new Builder(tf, config, parameters);
    tf.withName(Signatures.VERSION_OP).constant(versionId);
    boolean faithful = config.matcher().gateMode() == GateMode.FAITHFUL;
    Gating encodeGating = faithful ? Gating.FAITHFUL_FROZEN : Gating.PER_TOKEN;
    Gating pairGating = faithful ? Gating.FAITHFUL_BATCH : Gating.PER_TOKEN;
    List<Signature> signatures = new java.util.ArrayList<>(List.of(
        builder.entitySignature(encodeGating),
        builder.mentionSignature(encodeGating),
        builder.candidateSignature(),
        builder.pairSignature(pairGating),
        builder.textSignature()));
    if (faithful) {
      signatures.add(builder.gateStatisticsSignature());
    }
    return new MmoeGraph(config, parameters, signatures);
  }

  public ModelConfig config() {
    return config;
  }

  public ModelParameters parameters() {
    return parameters;
  }

  public List<Signature> signatures() {
    return signatures;
  }

  /** Graph construction helpers; package-private so tests can build extra paths in one graph. */
  static final class Builder {
    private final Ops tf;
    private final ModelConfig config;
    private final Layers layers;
    private final TextEncoder textTower;
    private final VisionTower visionTower;
    private final MmoeMatcher matcher;

    Builder(Ops tf, ModelConfig config, ModelParameters parameters) {
      this.tf = tf;
      this.config = config;
      this.layers = new Layers(tf, parameters, config.layerNormEps());
      this.textTower = TextEncoder.of(layers, config);
      this.visionTower = config.hasVision() ? new VisionTower(layers, config) : null;
      this.matcher = new MmoeMatcher(layers, config.matcherInputs());
    }

    Placeholder<TInt32> textIds(String name) {
      return tf.withName(name).placeholder(TInt32.class,
          Placeholder.shape(Shape.of(-1, config.contextLength())));
    }

    /** Null for a text-only model, whose signatures take no pixels. */
    Placeholder<TFloat32> pixels(String name) {
      if (!config.hasVision()) {
        return null;
      }
      int size = config.vision().imageSize();
      return tf.withName(name).placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 3, size, size)));
    }

    Placeholder<TFloat32> floats(String name, long... shape) {
      return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
    }

    /** @param pixels ignored (may be null) for a text-only model: its image side is zeros */
    MmoeMatcher.SideFeatures features(Operand<TInt32> ids, Operand<TFloat32> pixels) {
      TextEncoder.Output text = textTower.apply(ids);
      if (visionTower != null) {
        return matcher.features(text, visionTower.apply(pixels));
      }
      int d = config.matcher().hiddenDim();
      Operand<TInt32> items = tf.slice(tf.shape(ids), layers.ints(0), layers.ints(1));
      Operand<TFloat32> noCls = tf.fill(tf.concat(List.of(items, layers.ints(d)), layers.axis(0)),
          layers.scalar(0));
      Operand<TFloat32> noTokens = tf.fill(tf.concat(
          List.of(items, layers.ints(config.imagePositions(), d)), layers.axis(0)),
          layers.scalar(0));
      return matcher.features(text.cls(), text.tokens(), noCls, noTokens);
    }

    MmoeMatcher.EntityEncoding encodeEntities(Operand<TInt32> ids, Operand<TFloat32> pixels,
        Gating gating) {
      return matcher.encodeEntities(features(ids, pixels), gating, null);
    }

    MmoeMatcher.MentionEncoding encodeMentions(Operand<TInt32> ids, Operand<TFloat32> pixels,
        Gating gating) {
      return matcher.encodeMentions(features(ids, pixels), gating, null);
    }

    MmoeMatcher.Scores scoreCandidates(MmoeMatcher.MentionEncoding mention,
        MmoeMatcher.EntityEncoding candidates) {
      return matcher.scoreCandidates(mention, candidates);
    }

    MmoeMatcher.Scores scorePairs(Operand<TInt32> mentionIds, Operand<TFloat32> mentionPixels,
        Operand<TInt32> entityIds, Operand<TFloat32> entityPixels, Gating gating) {
      return matcher.jointScores(features(mentionIds, mentionPixels),
          features(entityIds, entityPixels), gating);
    }

    Signature entitySignature(Gating gating) {
      Ops scoped = tf;
      Placeholder<TInt32> ids = textIds("entity_encoder_text_ids");
      Placeholder<TFloat32> pixels = pixels("entity_encoder_pixels");
      MmoeMatcher.EntityEncoding out = encodeEntities(ids, pixels, gating);
      return withPixels(Signature.builder(Signatures.ENCODE_ENTITIES)
          .input(Signatures.TEXT_IDS, ids), Signatures.PIXELS, pixels)
          .output(Signatures.RETRIEVAL, scoped.withName("entity_retrieval").identity(out.retrieval()))
          .output(Signatures.TEXT_C, scoped.withName("entity_text_c").identity(out.textC()))
          .output(Signatures.TEXT_QUERY,
              scoped.withName("entity_text_query").identity(out.textQuery()))
          .output(Signatures.IMAGE_C, scoped.withName("entity_image_c").identity(out.imageC()))
          .output(Signatures.IMAGE_QUERY,
              scoped.withName("entity_image_query").identity(out.imageQuery()))
          .build();
    }

    /** The text tower's t_cls and t_tok, before the matcher's LayerNorms. */
    Signature textSignature() {
      Placeholder<TInt32> ids = textIds("texts_text_ids");
      TextEncoder.Output out = textTower.apply(ids);
      return Signature.builder(Signatures.ENCODE_TEXTS)
          .input(Signatures.TEXT_IDS, ids)
          .output(Signatures.TEXT_CLS, tf.withName("texts_text_cls").identity(out.cls()))
          .output(Signatures.TEXT_TOKENS,
              tf.withName("texts_text_tokens").identity(out.tokens()))
          .build();
    }

    Signature mentionSignature(Gating gating) {
      Placeholder<TInt32> ids = textIds("mention_encoder_text_ids");
      Placeholder<TFloat32> pixels = pixels("mention_encoder_pixels");
      MmoeMatcher.MentionEncoding out = encodeMentions(ids, pixels, gating);
      return withPixels(Signature.builder(Signatures.ENCODE_MENTIONS)
          .input(Signatures.TEXT_IDS, ids), Signatures.PIXELS, pixels)
          .output(Signatures.QUERY, tf.withName("mention_query").identity(out.query()))
          .output(Signatures.TEXT_KEY, tf.withName("mention_text_key").identity(out.textKey()))
          .output(Signatures.TEXT_VALUE,
              tf.withName("mention_text_value").identity(out.textValue()))
          .output(Signatures.IMAGE_KEY, tf.withName("mention_image_key").identity(out.imageKey()))
          .output(Signatures.IMAGE_VALUE,
              tf.withName("mention_image_value").identity(out.imageValue()))
          .build();
    }

    Signature candidateSignature() {
      int r = config.retrievalDim();
      int d = config.matcher().hiddenDim();
      int l = config.contextLength();
      int p = config.imagePositions();
      MmoeMatcher.MentionEncoding mention = new MmoeMatcher.MentionEncoding(
          floats("score_query", -1, r),
          floats("score_text_key", -1, l, d), floats("score_text_value", -1, l, d),
          floats("score_image_key", -1, p, d), floats("score_image_value", -1, p, d));
      MmoeMatcher.EntityEncoding candidates = new MmoeMatcher.EntityEncoding(
          floats("score_retrieval", -1, -1, r),
          floats("score_text_c", -1, -1, d), floats("score_text_query", -1, -1, l, d),
          floats("score_image_c", -1, -1, d), floats("score_image_query", -1, -1, p, d));
      MmoeMatcher.Scores scores = scoreCandidates(mention, candidates);
      return scoreOutputs(Signature.builder(Signatures.SCORE_CANDIDATES)
          .input(Signatures.QUERY, mention.query())
          .input(Signatures.TEXT_KEY, mention.textKey())
          .input(Signatures.TEXT_VALUE, mention.textValue())
          .input(Signatures.IMAGE_KEY, mention.imageKey())
          .input(Signatures.IMAGE_VALUE, mention.imageValue())
          .input(Signatures.RETRIEVAL, candidates.retrieval())
          .input(Signatures.TEXT_C, candidates.textC())
          .input(Signatures.TEXT_QUERY, candidates.textQuery())
          .input(Signatures.IMAGE_C, candidates.imageC())
          .input(Signatures.IMAGE_QUERY, candidates.imageQuery()), scores, "candidate");
    }

    Signature pairSignature(Gating gating) {
      Placeholder<TInt32> mentionIds = textIds("pairs_mention_text_ids");
      Placeholder<TFloat32> mentionPixels = pixels("pairs_mention_pixels");
      Placeholder<TInt32> entityIds = textIds("pairs_entity_text_ids");
      Placeholder<TFloat32> entityPixels = pixels("pairs_entity_pixels");
      MmoeMatcher.Scores scores =
          scorePairs(mentionIds, mentionPixels, entityIds, entityPixels, gating);
      return scoreOutputs(pairInputs(Signature.builder(Signatures.SCORE_PAIRS), mentionIds,
          mentionPixels, entityIds, entityPixels), scores, "pairs");
    }

    /**
     * The batch means of Q at every faithful gate site, for mentions and their gold entities as
     * a training batch pairs them: what `mmel model calibrate` averages into the frozen means.
     */
    Signature gateStatisticsSignature() {
      Placeholder<TInt32> mentionIds = textIds("stats_mention_text_ids");
      Placeholder<TFloat32> mentionPixels = pixels("stats_mention_pixels");
      Placeholder<TInt32> entityIds = textIds("stats_entity_text_ids");
      Placeholder<TFloat32> entityPixels = pixels("stats_entity_pixels");
      GateRecorder recorder = new GateRecorder();
      matcher.encodeMentions(features(mentionIds, mentionPixels), Gating.FAITHFUL_BATCH, recorder);
      matcher.encodeEntities(features(entityIds, entityPixels), Gating.FAITHFUL_BATCH, recorder);
      Signature.Builder builder = pairInputs(Signature.builder(Signatures.GATE_STATISTICS),
          mentionIds, mentionPixels, entityIds, entityPixels);
      recorder.means().forEach((site, mean) -> builder.output(site.outputName(),
          tf.withName("stats_" + site.outputName()).identity(mean)));
      return builder.build();
    }

    private static Signature.Builder pairInputs(Signature.Builder builder,
        Placeholder<TInt32> mentionIds, Placeholder<TFloat32> mentionPixels,
        Placeholder<TInt32> entityIds, Placeholder<TFloat32> entityPixels) {
      withPixels(builder.input(Signatures.MENTION_TEXT_IDS, mentionIds),
          Signatures.MENTION_PIXELS, mentionPixels);
      return withPixels(builder.input(Signatures.ENTITY_TEXT_IDS, entityIds),
          Signatures.ENTITY_PIXELS, entityPixels);
    }

    private static Signature.Builder withPixels(Signature.Builder builder, String key,
        Placeholder<TFloat32> pixels) {
      return pixels == null ? builder : builder.input(key, pixels);
    }

    private Signature scoreOutputs(Signature.Builder builder, MmoeMatcher.Scores scores,
        String prefix) {
      return builder
          .output(Signatures.SCORE, tf.withName(prefix + "_score").identity(scores.total()))
          .output(Signatures.TEXT_SCORE,
              tf.withName(prefix + "_text_score").identity(scores.text()))
          .output(Signatures.IMAGE_SCORE,
              tf.withName(prefix + "_image_score").identity(scores.image()))
          .output(Signatures.CROSS_SCORE,
              tf.withName(prefix + "_cross_score").identity(scores.cross()))
          .build();
    }
  }
}
