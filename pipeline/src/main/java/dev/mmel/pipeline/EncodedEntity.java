package dev.mmel.pipeline;

import dev.mmel.model.runtime.EntityEncodings;
import dev.mmel.retriever.IndexedEntity;
import dev.mmel.retriever.RerankFeatures;

/**
 * An encoded entity between the encoder and the index sink, in Flink-native field types (see
 * {@link EntityToEncode}).
 */
public record EncodedEntity(EntityToEncode entity, float[] retrieval, float[] textC,
    float[] textQuery, float[] imageC, float[] imageQuery) {

  /** Row {@code row} of a batch's encodings, which {@code entity} was encoded to. */
  static EncodedEntity of(EntityToEncode entity, EntityEncodings batch, int row) {
    EntityEncodings one = batch.rows(row, row + 1);
    return new EncodedEntity(entity, one.retrieval(), one.textC(), one.textQuery(), one.imageC(),
        one.imageQuery());
  }

  IndexedEntity toIndexed() {
    return new IndexedEntity(entity.record(), retrieval,
        new RerankFeatures(textC, textQuery, imageC, imageQuery));
  }
}
