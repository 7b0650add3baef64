package dev.mmel.core;

import java.util.List;

/**
 * A model that links mentions to entities the way spec section 9 splits MMoE: entities and
 * mentions are encoded separately (the entity side once, into the index), retrieval is the inner
 * product of their vectors, and the full score S = F + I is computed for a mention's retrieved
 * candidates only. The index job, evaluation and serving program against this; implementations
 * are safe to call from many threads at once.
 *
 * <p>Preparing (tokenising texts, decoding and resizing images) is separate from encoding, so a
 * caller can check every item on its own thread and then encode many in one batched call.
 */
public interface LinkingModel extends AutoCloseable {

  /** Identifies the weights: the entity index records it, and serving refuses a mismatch. */
  String version();

  /** Shapes of the retrieval vector and rerank features this model's entity encoder produces. */
  IndexSchema schema();

  /** The entity's model inputs; fails naming the field if its image cannot be decoded. */
  PreparedInput prepareEntity(EntityInput entity) throws InvalidInputException;

  /** The mention's model inputs; fails naming the field if its image cannot be decoded. */
  PreparedInput prepareMention(MentionInput mention) throws InvalidInputException;

  /** Entity-side encodings, one row per item, in order; rows never depend on each other. */
  EntityEncodings encodeEntities(List<PreparedInput> entities);

  /** Mention-side encodings, one row per item, in order; rows never depend on each other. */
  MentionEncodings encodeMentions(List<PreparedInput> mentions);

  /**
   * S = F + I and its parts for each mention against its own candidates: candidate rows
   * {@code b*perMention .. (b+1)*perMention-1} belong to mention b.
   */
  Scores scoreCandidates(MentionEncodings mentions, EntityEncodings candidates, int perMention);

  @Override
  void close();
}
