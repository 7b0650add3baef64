package dev.mmel.retriever.milvus;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.NameKeys;
import dev.mmel.core.RerankFeatures;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Converts entities to the rows of {@link EntityFields} and query results back. */
final class EntityRows {
  private EntityRows() {}

  /** The row of {@code entity}; with its name parts for a collection that has the field. */
  static JsonObject row(EncodedEntity entity, boolean nameParts) {
    EntityRecord record = entity.record();
    JsonObject row = new JsonObject();
    row.addProperty(EntityFields.QID, record.qid());
    row.addProperty(EntityFields.NAME, record.name());
    row.addProperty(EntityFields.NAME_KEY, NameKeys.of(record.name()));
    row.add(EntityFields.ALIASES, strings(record.aliases()));
    row.add(EntityFields.ALIAS_KEYS, strings(aliasKeys(record.aliases())));
    if (nameParts) {
      row.add(EntityFields.NAME_PARTS,
          strings(NameKeys.partsOf(record.name(), record.aliases())));
    }
    row.addProperty(EntityFields.DESCRIPTION, record.description());
    row.addProperty(EntityFields.IMAGE_REF, record.imageRef());
    JsonArray retrieval = new JsonArray(entity.retrieval().length);
    for (float value : entity.retrieval()) {
      retrieval.add(value);
    }
    row.add(EntityFields.RETRIEVAL, retrieval);
    row.addProperty(EntityFields.RERANK,
        Base64.getEncoder().encodeToString(entity.rerank().toFp16()));
    return row;
  }

  static EntityRecord record(Map<String, Object> fields) {
    return new EntityRecord((String) fields.get(EntityFields.QID),
        (String) fields.get(EntityFields.NAME), stringList(fields.get(EntityFields.ALIASES)),
        (String) fields.get(EntityFields.DESCRIPTION), (String) fields.get(EntityFields.IMAGE_REF));
  }

  static EncodedEntity entity(Map<String, Object> fields, IndexSchema schema) {
    List<?> values = (List<?>) fields.get(EntityFields.RETRIEVAL);
    float[] retrieval = new float[values.size()];
    for (int i = 0; i < retrieval.length; i++) {
      retrieval[i] = ((Number) values.get(i)).floatValue();
    }
    return new EncodedEntity(record(fields), retrieval, rerank(fields, schema));
  }

  static RerankFeatures rerank(Map<String, Object> fields, IndexSchema schema) {
    byte[] fp16 = Base64.getDecoder().decode((String) fields.get(EntityFields.RERANK));
    return RerankFeatures.fromFp16(fp16, schema);
  }

  /** Distinct non-empty keys: an alias of punctuation only has no key, and must match nothing. */
  private static Set<String> aliasKeys(List<String> aliases) {
    Set<String> keys = new LinkedHashSet<>();
    for (String alias : aliases) {
      String key = NameKeys.of(alias);
      if (!key.isEmpty()) {
        keys.add(key);
      }
    }
    return keys;
  }

  private static JsonArray strings(Iterable<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array;
  }

  private static List<String> stringList(Object value) {
    return value == null ? List.of()
        : ((List<?>) value).stream().map(String.class::cast).toList();
  }
}
