package dev.mmel.model.params;

/**
 * Canonical parameter names: those of the reference MMoE checkpoint (spec 10), i.e. Hugging Face
 * CLIPModel names under {@code encoder.clip.}; a BERT text tower has Hugging Face BertModel names
 * under {@code encoder.bert.} (no pooler: the tower pools [CLS] itself). Keeping the names in one place lets the graph, the
 * importer and the initialiser agree by construction.
 */
public final class ParameterNames {
  public static final String CLIP = "encoder.clip.";
  public static final String TEXT = CLIP + "text_model.";
  public static final String VISION = CLIP + "vision_model.";
  public static final String TEXT_PROJECTION = CLIP + "text_projection.weight";
  public static final String VISUAL_PROJECTION = CLIP + "visual_projection.weight";
  public static final String LOGIT_SCALE = CLIP + "logit_scale";
  public static final String BERT = "encoder.bert.";
  public static final String BERT_EMBEDDINGS = BERT + "embeddings.";
  public static final String IMAGE_CLS_FC = "encoder.image_cls_fc";
  public static final String IMAGE_TOKENS_FC = "encoder.image_tokens_fc";
  public static final String MATCHER = "matcher.";
  public static final String TEXT_UNIT = MATCHER + "text_module.";
  public static final String VISION_UNIT = MATCHER + "vision_module.";
  public static final String CROSS_UNIT = MATCHER + "cross_module.";
  /** Not in the reference checkpoint: mmel's own serving state for the faithful gate. */
  public static final String FROZEN_MEAN = "mmel.frozen_mean.";

  private ParameterNames() {}

  public static String layer(String towerPrefix, int index) {
    return towerPrefix + "encoder.layers." + index + ".";
  }

  /** A BERT block's prefix, e.g. {@code encoder.bert.encoder.layer.3.}. */
  public static String bertLayer(int index) {
    return BERT + "encoder.layer." + index + ".";
  }

  public static String router(String unitPrefix) {
    return unitPrefix + "moe_layer.gate.w_gate";
  }

  public static String expertIn(String unitPrefix, int expert) {
    return unitPrefix + "moe_layer.experts." + expert + ".ff.0.0";
  }

  public static String expertOut(String unitPrefix, int expert) {
    return unitPrefix + "moe_layer.experts." + expert + ".ff.2";
  }
}
