package dev.mmel.model.graph;

import dev.mmel.model.config.MatcherInputs;
import dev.mmel.model.params.GateSite;
import dev.mmel.model.params.ParameterNames;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The MMoE matcher (spec 5-7) in two forms: the serving split of spec 9 (per-side encodings, then
 * S = F + I for a mention against its candidates), and the joint all-pairs computation written as
 * the spec states it. The two are built from the same per-side blocks but combine them
 * differently, which is what lets tests check the decomposition.
 */
final class MmoeMatcher {
  private final Layers layers;
  private final MatcherInputs config;
  private final int hidden;
  private final SwitchMoe textMoe;
  private final SwitchMoe visionMoe;
  private final SwitchMoe crossMoe;

  MmoeMatcher(Layers layers, MatcherInputs config) {
    this.layers = layers;
    this.config = config;
    this.hidden = config.matcher().hiddenDim();
    int experts = config.matcher().experts();
    int k = config.matcher().topK();
    int positions = config.unitPositions();
    int batch = config.matcher().frozenMeanBatch();
    this.textMoe = new SwitchMoe(layers, ParameterNames.TEXT_UNIT, experts, k, positions, batch);
    this.visionMoe =
        new SwitchMoe(layers, ParameterNames.VISION_UNIT, experts, k, positions, batch);
    this.crossMoe = new SwitchMoe(layers, ParameterNames.CROSS_UNIT, experts, k, positions, batch);
  }

  /** The four matcher inputs of one side after the shared LayerNorms (spec 1). */
  record SideFeatures(Operand<TFloat32> textCls, Operand<TFloat32> textTokens,
      Operand<TFloat32> imageCls, Operand<TFloat32> imageTokens) {}

  record EntityEncoding(Operand<TFloat32> retrieval, Operand<TFloat32> textC,
      Operand<TFloat32> textQuery, Operand<TFloat32> imageC, Operand<TFloat32> imageQuery) {}

  record MentionEncoding(Operand<TFloat32> query, Operand<TFloat32> textKey,
      Operand<TFloat32> textValue, Operand<TFloat32> imageKey, Operand<TFloat32> imageValue) {}

  record Scores(Operand<TFloat32> total, Operand<TFloat32> text, Operand<TFloat32> image,
      Operand<TFloat32> cross) {}

  private record UnitOutput(Operand<TFloat32> pooled, Operand<TFloat32> tokens) {}

  private record CrossOutput(Operand<TFloat32> textToImage, Operand<TFloat32> imageToText) {}

  SideFeatures features(TextEncoder.Output text, VisionTower.Output vision) {
    return features(text.cls(), text.tokens(), vision.projectedCls(), vision.hidden());
  }

  /**
   * From a backbone's raw outputs (pooled text [n,T], text states [n,L,T], pooled image, image
   * states) to the matcher's inputs: the image projections, then the shared LayerNorms.
   */
  SideFeatures features(Operand<TFloat32> textCls, Operand<TFloat32> textTokens,
      Operand<TFloat32> imageClsRaw, Operand<TFloat32> imageTokensRaw) {
    String m = ParameterNames.MATCHER;
    Operand<TFloat32> imageCls = layers.linear(imageClsRaw, ParameterNames.IMAGE_CLS_FC);
    Operand<TFloat32> imageTokens = layers.linear(imageTokensRaw, ParameterNames.IMAGE_TOKENS_FC);
    return new SideFeatures(
        layers.layerNorm(textCls, m + "text_cls_layernorm"),
        layers.layerNorm(textTokens, m + "text_tokens_layernorm"),
        layers.layerNorm(imageCls, m + "image_cls_layernorm"),
        layers.layerNorm(imageTokens, m + "image_tokens_layernorm"));
  }

  EntityEncoding encodeEntities(SideFeatures f, Gating gating, GateRecorder recorder) {
    UnitOutput text = intra(textMoe, f.textCls(), f.textTokens(), gating, GateSite.TEXT_ENTITY,
        recorder);
    UnitOutput image = intra(visionMoe, f.imageCls(), f.imageTokens(), gating,
        GateSite.VISION_ENTITY, recorder);
    CrossOutput cross = cross(f, true, gating, recorder);
    Operand<TFloat32> retrieval = retrievalVector(f, cross);
    return new EntityEncoding(retrieval,
        text.pooled(), layers.linear(text.tokens(), ParameterNames.TEXT_UNIT + "fc_query"),
        image.pooled(), layers.linear(image.tokens(), ParameterNames.VISION_UNIT + "fc_query"));
  }

  MentionEncoding encodeMentions(SideFeatures f, Gating gating, GateRecorder recorder) {
    UnitOutput text = intra(textMoe, f.textCls(), f.textTokens(), gating, GateSite.TEXT_MENTION,
        recorder);
    UnitOutput image = intra(visionMoe, f.imageCls(), f.imageTokens(), gating,
        GateSite.VISION_MENTION, recorder);
    CrossOutput cross = cross(f, false, gating, recorder);
    Operand<TFloat32> query = layers.scale(retrievalVector(f, cross), 1.0 / 6);
    String t = ParameterNames.TEXT_UNIT;
    String v = ParameterNames.VISION_UNIT;
    return new MentionEncoding(query,
        layers.linear(text.tokens(), t + "fc_key"), layers.linear(text.tokens(), t + "fc_value"),
        layers.linear(image.tokens(), v + "fc_key"), layers.linear(image.tokens(), v + "fc_value"));
  }

  /**
   * S = F + I for B mentions, each against its own K candidates.
   * Mention operands are [B,...]; candidate operands are [B,K,...].
   */
  Scores scoreCandidates(MentionEncoding mention, EntityEncoding candidates) {
    int textWidth = config.textWidth();
    Operand<TFloat32> query = layers.expand(mention.query(), 1);
    Operand<TFloat32> products = layers.mul(query, candidates.retrieval());
    Operand<TFloat32> fast = layers.sum(products, -1, false);
    Operand<TFloat32> textLocal = candidateLocal(candidates.textC(), candidates.textQuery(),
        mention.textKey(), mention.textValue(), ParameterNames.TEXT_UNIT);
    Operand<TFloat32> imageLocal = candidateLocal(candidates.imageC(), candidates.imageQuery(),
        mention.imageKey(), mention.imageValue(), ParameterNames.VISION_UNIT);
    Operand<TFloat32> total = layers.add(fast,
        layers.scale(layers.add(textLocal, imageLocal), 1.0 / 6));
    // q carries the 1/6 of F; undo it to report each modality's own score (spec 5-6).
    Operand<TFloat32> textGlobal = layers.scale(
        layers.sum(layers.lastAxisSlice(products, 0, textWidth), -1, false), 6);
    Operand<TFloat32> imageGlobal = layers.scale(layers.sum(
        layers.lastAxisSlice(products, textWidth, textWidth + hidden), -1, false), 6);
    Operand<TFloat32> cross = layers.scale(layers.sum(layers.lastAxisSlice(products,
        textWidth + hidden, textWidth + 3 * hidden), -1, false), 3);
    return new Scores(total,
        layers.scale(layers.add(textLocal, textGlobal), 0.5),
        layers.scale(layers.add(imageLocal, imageGlobal), 0.5),
        cross);
  }

  /** Spec 5-7 as written: every mention against every entity, [B,N] per score. */
  Scores jointScores(SideFeatures mention, SideFeatures entity, Gating gating) {
    return jointScores(mention, entity, gating, null);
  }

  /** As above; {@code recorder} (nullable) receives each faithful site's batch mean of Q. */
  Scores jointScores(SideFeatures mention, SideFeatures entity, Gating gating,
      GateRecorder recorder) {
    Ops tf = layers.tf();
    UnitOutput textE = intra(textMoe, entity.textCls(), entity.textTokens(), gating,
        GateSite.TEXT_ENTITY, recorder);
    UnitOutput textM = intra(textMoe, mention.textCls(), mention.textTokens(), gating,
        GateSite.TEXT_MENTION, recorder);
    UnitOutput imageE = intra(visionMoe, entity.imageCls(), entity.imageTokens(), gating,
        GateSite.VISION_ENTITY, recorder);
    UnitOutput imageM = intra(visionMoe, mention.imageCls(), mention.imageTokens(), gating,
        GateSite.VISION_MENTION, recorder);
    Operand<TFloat32> textLocal = jointLocal(textE, textM, ParameterNames.TEXT_UNIT);
    Operand<TFloat32> imageLocal = jointLocal(imageE, imageM, ParameterNames.VISION_UNIT);
    Operand<TFloat32> textGlobal = pairDots(mention.textCls(), entity.textCls());
    Operand<TFloat32> imageGlobal = pairDots(mention.imageCls(), entity.imageCls());
    Operand<TFloat32> sText = layers.scale(layers.add(textLocal, textGlobal), 0.5);
    Operand<TFloat32> sImage = layers.scale(layers.add(imageLocal, imageGlobal), 0.5);
    CrossOutput crossE = cross(entity, true, gating, recorder);
    CrossOutput crossM = cross(mention, false, gating, recorder);
    Operand<TFloat32> sCross = layers.scale(layers.add(
        pairDots(crossM.textToImage(), crossE.textToImage()),
        pairDots(crossM.imageToText(), crossE.imageToText())), 0.5);
    Operand<TFloat32> total = layers.scale(tf.math.addN(List.of(sText, sImage, sCross)), 1.0 / 3);
    return new Scores(total, sText, sImage, sCross);
  }

  private UnitOutput intra(SwitchMoe moe, Operand<TFloat32> cls, Operand<TFloat32> tokens,
      Gating gating, GateSite site, GateRecorder recorder) {
    Operand<TFloat32> stacked = layers.concat(1, layers.expand(cls, 1), tokens);
    Operand<TFloat32> mixed = moe.apply(stacked, stacked, gating, site, recorder);
    return new UnitOutput(layers.position(mixed, 0), layers.positionsFrom(mixed, 1));
  }

  private CrossOutput cross(SideFeatures f, boolean entitySide, Gating gating,
      GateRecorder recorder) {
    String c = ParameterNames.CROSS_UNIT;
    Operand<TFloat32> textHat = layers.linear(f.textCls(), c + "text_fc");
    Operand<TFloat32> textTokensHat = layers.linear(f.textTokens(), c + "text_fc");
    Operand<TFloat32> imageHat = layers.linear(f.imageCls(), c + "image_fc");
    Operand<TFloat32> imageTokensHat = layers.linear(f.imageTokens(), c + "image_fc");
    Operand<TFloat32> textFirst = layers.concat(1, layers.expand(textHat, 1), imageTokensHat);
    Operand<TFloat32> imageFirst = layers.concat(1, layers.expand(imageHat, 1), textTokensHat);
    Operand<TFloat32> mixedTextFirst = crossMoe.apply(textFirst, imageFirst, gating,
        entitySide ? GateSite.CROSS_ENTITY_TEXT_FIRST : GateSite.CROSS_MENTION_TEXT_FIRST,
        recorder);
    Operand<TFloat32> mixedImageFirst = crossMoe.apply(imageFirst, textFirst, gating,
        entitySide ? GateSite.CROSS_ENTITY_IMAGE_FIRST : GateSite.CROSS_MENTION_IMAGE_FIRST,
        recorder);
    Operand<TFloat32> textToImage = attendAndGate(layers.position(mixedTextFirst, 0),
        layers.positionsFrom(mixedTextFirst, 1), textHat, entitySide);
    Operand<TFloat32> imageToText = attendAndGate(layers.position(mixedImageFirst, 0),
        layers.positionsFrom(mixedImageFirst, 1), imageHat, entitySide);
    return new CrossOutput(textToImage, imageToText);
  }

  /** Spec 6 steps 4-5. The gate reads z on the entity side and the raw vector on the mention side. */
  private Operand<TFloat32> attendAndGate(Operand<TFloat32> pooled, Operand<TFloat32> tokens,
      Operand<TFloat32> raw, boolean entitySide) {
    String c = ParameterNames.CROSS_UNIT;
    Operand<TFloat32> weights = layers.softmax(
        layers.sum(layers.mul(layers.expand(pooled, 1), tokens), -1, false));
    Operand<TFloat32> attended = layers.sum(layers.mul(layers.expand(weights, -1), tokens), 1, false);
    Operand<TFloat32> gate = layers.tf().math.tanh(
        layers.linear(entitySide ? attended : raw, c + "gate_fc"));
    return layers.layerNorm(layers.add(layers.mul(raw, gate), attended), c + "gate_layer_norm");
  }

  private Operand<TFloat32> retrievalVector(SideFeatures f, CrossOutput cross) {
    return layers.tf().concat(List.of(f.textCls(), f.imageCls(), cross.textToImage(),
        cross.imageToText()), layers.axis(1));
  }

  /**
   * g2l for each mention b and its candidates k: ctx = LN(mean_i sum_j softmax_j(Qry_i . Key_j
   * / sqrt(d)) Val_j), then c . ctx. Candidates' queries are flattened so each mention needs one
   * batched matrix product. The mean over i is taken of the attention weights before they meet
   * Val (the same sum, regrouped), which saves the L-fold larger product.
   */
  private Operand<TFloat32> candidateLocal(Operand<TFloat32> c, Operand<TFloat32> query,
      Operand<TFloat32> key, Operand<TFloat32> value, String unitPrefix) {
    Ops tf = layers.tf();
    Operand<TInt32> shape = tf.shape(query);
    Operand<TInt32> batch = tf.stridedSlice(shape, layers.ints(0), layers.ints(1), layers.ints(1));
    Operand<TInt32> flatShape =
        tf.concat(List.of(batch, layers.ints(-1, hidden)), layers.axis(0));
    Operand<TFloat32> flatQuery = tf.reshape(query, flatShape);
    Operand<TFloat32> attention = layers.softmax(
        layers.scale(layers.batchMatMul(flatQuery, key, true), 1 / Math.sqrt(hidden)));
    int queryLength = (int) query.shape().get(2);
    int keyLength = (int) key.shape().get(1);
    Operand<TFloat32> perCandidate = tf.reshape(attention,
        tf.concat(List.of(batch, layers.ints(-1, queryLength, keyLength)), layers.axis(0)));
    Operand<TFloat32> context = layers.batchMatMul(layers.mean(perCandidate, 2), value, false);
    Operand<TFloat32> pooled = layers.layerNorm(context, unitPrefix + "layer_norm");
    return layers.sum(layers.mul(c, pooled), -1, false);
  }

  /** The same quantity for all (mention b, entity n) pairs, via einsum as the spec writes it. */
  private Operand<TFloat32> jointLocal(UnitOutput entity, UnitOutput mention, String unitPrefix) {
    Ops tf = layers.tf();
    Operand<TFloat32> query = layers.linear(entity.tokens(), unitPrefix + "fc_query");
    Operand<TFloat32> key = layers.linear(mention.tokens(), unitPrefix + "fc_key");
    Operand<TFloat32> value = layers.linear(mention.tokens(), unitPrefix + "fc_value");
    Operand<TFloat32> logits = layers.scale(
        tf.linalg.einsum(List.of(query, key), "nid,bjd->nbij"), 1 / Math.sqrt(hidden));
    Operand<TFloat32> meanAttention = layers.mean(layers.softmax(logits), 2);
    Operand<TFloat32> context = layers.layerNorm(
        tf.linalg.einsum(List.of(meanAttention, value), "nbj,bjd->nbd"),
        unitPrefix + "layer_norm");
    return tf.linalg.einsum(List.of(entity.pooled(), context), "nd,nbd->bn");
  }

  /** [B,D] x [N,D] -> [B,N] dot products. */
  private Operand<TFloat32> pairDots(Operand<TFloat32> mention, Operand<TFloat32> entity) {
    return layers.tf().linalg.matMul(mention, entity,
        org.tensorflow.op.linalg.MatMul.transposeB(true));
  }
}
