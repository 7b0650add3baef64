package dev.mmel.model.data;

import dev.mmel.core.EntityRecord;
import java.util.List;

/**
 * A knowledge-base entity as read from a KB file, before any index limits apply.
 * {@code imagePath} is null when the entity has no image.
 */
public record KbEntity(String qid, String name, List<String> aliases, String description,
    String imagePath) {
  public KbEntity {
    aliases = List.copyOf(aliases);
    description = description == null ? "" : description;
  }

  /** This entity as an index stores it; fails naming the field that exceeds the index's limits. */
  public EntityRecord toRecord() {
    return new EntityRecord(qid, name, aliases, description, imagePath);
  }
}
