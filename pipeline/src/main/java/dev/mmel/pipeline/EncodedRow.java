package dev.mmel.pipeline;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.RerankFeatures;

/**
 * An encoded entity between the encoder and the index sink, in Flink-native field types (see
 * {@link EntityToEncode}).
 */
public record EncodedRow(EntityToEncode entity, float[] retrieval, float[] textC,
    float[] textQuery, float[] imageC, float[] imageQuery) {

  /** Row {@code row} of a batch's encodings, which {@code entity} was encoded to. */
  static EncodedRow of(EntityToEncode entity, EntityEncodings batch, int row) {
    EntityEncodings one = batch.rows(row, row + 1);
    return new EncodedRow(entity, one.retrieval(), one.textC(), one.textQuery(), one.imageC(),
        one.imageQuery());
  }

  EncodedEntity toIndexed() {
    return new EncodedEntity(entity.record(), retrieval,
        new RerankFeatures(textC, textQuery, imageC, imageQuery));
  }
}
