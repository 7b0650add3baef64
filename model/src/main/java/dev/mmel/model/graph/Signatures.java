package dev.mmel.model.graph;

/** Names of the exported signatures and their tensors: the contract every other module calls. */
public final class Signatures {
  public static final String ENCODE_ENTITIES = "encode_entities";
  public static final String ENCODE_MENTIONS = "encode_mentions";
  public static final String SCORE_CANDIDATES = "score_candidates";
  public static final String SCORE_PAIRS = "score_pairs";
  /** The text tower alone: what the matcher receives of a text (frozen-backbone training). */
  public static final String ENCODE_TEXTS = "encode_texts";
  /** Faithful mode only: per gate site, the batch mean of the masked router probabilities. */
  public static final String GATE_STATISTICS = "gate_statistics";

  public static final String TEXT_IDS = "text_ids";
  public static final String PIXELS = "pixels";
  public static final String MENTION_TEXT_IDS = "mention_text_ids";
  public static final String MENTION_PIXELS = "mention_pixels";
  public static final String ENTITY_TEXT_IDS = "entity_text_ids";
  public static final String ENTITY_PIXELS = "entity_pixels";

  public static final String RETRIEVAL = "retrieval";
  public static final String TEXT_C = "text_c";
  public static final String TEXT_QUERY = "text_query";
  public static final String IMAGE_C = "image_c";
  public static final String IMAGE_QUERY = "image_query";

  public static final String QUERY = "query";
  public static final String TEXT_KEY = "text_key";
  public static final String TEXT_VALUE = "text_value";
  public static final String IMAGE_KEY = "image_key";
  public static final String IMAGE_VALUE = "image_value";

  public static final String TEXT_CLS = "text_cls";
  public static final String TEXT_TOKENS = "text_tokens";

  public static final String SCORE = "score";
  public static final String TEXT_SCORE = "text_score";
  public static final String IMAGE_SCORE = "image_score";
  public static final String CROSS_SCORE = "cross_score";

  /** A string constant in every exported graph holding the model version id. */
  public static final String VERSION_OP = "mmel_model_version";

  private Signatures() {}
}
