package dev.mmel.pipeline;

import dev.mmel.retriever.IndexedEntity;
import dev.mmel.retriever.RerankFeatures;

/**
 * An encoded entity between the encoder and the index sink, in Flink-native field types (see
 * {@link EntityToEncode}).
 */
public record EncodedEntity(EntityToEncode entity, float[] retrieval, float[] textC,
    float[] textQuery, float[] imageC, float[] imageQuery) {

  IndexedEntity toIndexed() {
    return new IndexedEntity(entity.record(), retrieval,
        new RerankFeatures(textC, textQuery, imageC, imageQuery));
  }
}
