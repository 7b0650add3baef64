package dev.mmel.serving.link;

import dev.mmel.core.EntityRecord;

/**
 * One answer: the entity and its MMoE score S = (text + image + cross) / 3, which also splits
 * into the retrieval part F (the inner product the ANN search ranks by) and the interaction
 * part I = S - F computed in reranking (spec 9).
 */
public record LinkedEntity(EntityRecord entity, float score, float textScore, float imageScore,
    float crossScore, float retrievalScore) {

  public float interactionScore() {
    return score - retrievalScore;
  }
}
