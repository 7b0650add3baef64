package dev.mmel.pipeline;

import dev.mmel.core.EntityRecord;
import dev.mmel.model.data.KbEntity;
import java.util.List;

/**
 * A validated KB entity on its way to the encoder. Only Flink-native field types (no
 * collections), so Flink serialises it with its own record serializer rather than Kryo, which
 * cannot rebuild immutable lists.
 */
public record EntityToEncode(String qid, String name, String[] aliases, String description,
    String imageRef) {

  /** A parsed KB entity, checked against the index's limits (IllegalArgumentException). */
  static EntityToEncode of(KbEntity entity) {
    return of(entity.toRecord());
  }

  static EntityToEncode of(EntityRecord record) {
    return new EntityToEncode(record.qid(), record.name(),
        record.aliases().toArray(String[]::new), record.description(), record.imageRef());
  }

  EntityRecord record() {
    return new EntityRecord(qid, name, List.of(aliases), description, imageRef);
  }

  /** Null when the entity has no image. */
  String imagePath() {
    return imageRef.isEmpty() ? null : imageRef;
  }
}
