package dev.mmel.core;

/** A knowledge-base entity as a linking model reads it (spec section 2). */
public record EntityInput(String name, String description, ImageInput image) {
  public EntityInput {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("entity name must not be empty");
    }
    description = description == null ? "" : description;
    image = image == null ? ImageInput.none() : image;
  }
}
