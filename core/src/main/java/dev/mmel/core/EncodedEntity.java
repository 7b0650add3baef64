package dev.mmel.core;

/** What an index holds for one entity: its record, retrieval vector and rerank features. */
public record EncodedEntity(EntityRecord record, float[] retrieval, RerankFeatures rerank) {

  /** Row {@code row} of a batch the model's entity encoder produced. */
  public static EncodedEntity of(EntityRecord record, EntityEncodings encodings, int row) {
    EntityEncodings one = encodings.rows(row, row + 1);
    return new EncodedEntity(record, one.retrieval(),
        new RerankFeatures(one.textC(), one.textQuery(), one.imageC(), one.imageQuery()));
  }
}
