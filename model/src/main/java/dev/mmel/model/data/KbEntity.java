package dev.mmel.model.data;

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
}
