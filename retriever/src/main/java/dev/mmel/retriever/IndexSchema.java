package dev.mmel.retriever;

import dev.mmel.model.config.ModelConfig;

/**
 * Shapes of what an index stores per entity (spec section 9): the retrieval vector e_e and the
 * rerank features c and Qry for text and image. Fixed per index; writes of other shapes fail.
 */
public record IndexSchema(int retrievalDim, int hiddenDim, int textPositions, int imagePositions)
    implements java.io.Serializable {

  private static final float MAX_HALF = 65504f;

  public IndexSchema {
    positive("retrieval_dim", retrievalDim);
    positive("hidden_dim", hiddenDim);
    positive("text_positions", textPositions);
    positive("image_positions", imagePositions);
  }

  public static IndexSchema of(ModelConfig config) {
    return new IndexSchema(config.retrievalDim(), config.matcher().hiddenDim(),
        config.contextLength(), config.imagePositions());
  }

  /** Floats of rerank features per entity: 2 x d + (L + P) x d. */
  public int rerankFloats() {
    return 2 * hiddenDim + (textPositions + imagePositions) * hiddenDim;
  }

  void checkVector(String field, float[] vector, int expected) {
    if (vector == null || vector.length != expected) {
      throw new IllegalArgumentException(field + " must hold " + expected + " floats, got "
          + (vector == null ? "null" : vector.length));
    }
    for (float value : vector) {
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException(field + " holds a non-finite value " + value);
      }
    }
  }

  /** Rejects a search query of the wrong length or with non-finite values. */
  public void checkQuery(float[] query) {
    if (query == null || query.length != retrievalDim) {
      throw new IllegalArgumentException("query must hold " + retrievalDim
          + " floats (retrieval_dim), got " + (query == null ? "null" : query.length));
    }
    for (float value : query) {
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException("query holds a non-finite value " + value);
      }
    }
  }

  /** Rejects a result count (search k, look-up limit) outside 1..{@link EntityIndex#MAX_RESULTS}. */
  public static void checkResultCount(String field, int value) {
    if (value < 1 || value > EntityIndex.MAX_RESULTS) {
      throw new IllegalArgumentException(field + " must be within 1.." + EntityIndex.MAX_RESULTS
          + ", got " + value);
    }
  }

  /** Rejects an entity whose vectors do not have this schema's shapes. */
  public void check(IndexedEntity entity) {
    String qid = entity.record().qid();
    checkVector(qid + ".retrieval", entity.retrieval(), retrievalDim);
    RerankFeatures f = entity.rerank();
    checkHalf(qid + ".text_c", f.textC(), hiddenDim);
    checkHalf(qid + ".text_query", f.textQuery(), textPositions * hiddenDim);
    checkHalf(qid + ".image_c", f.imageC(), hiddenDim);
    checkHalf(qid + ".image_query", f.imageQuery(), imagePositions * hiddenDim);
  }

  /** Rerank features are stored as half floats: beyond their range they would become infinite. */
  private void checkHalf(String field, float[] vector, int expected) {
    checkVector(field, vector, expected);
    for (float value : vector) {
      if (Math.abs(value) > MAX_HALF) {
        throw new IllegalArgumentException(field + " holds " + value
            + ", beyond the half-float range (+-" + MAX_HALF + ") rerank features are stored in");
      }
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }
}
