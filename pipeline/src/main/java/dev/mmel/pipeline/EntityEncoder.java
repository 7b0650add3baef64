package dev.mmel.pipeline;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityInput;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.ImageInput;
import dev.mmel.core.InvalidInputException;
import dev.mmel.core.LinkingModel;
import dev.mmel.core.PreparedInput;
import dev.mmel.model.runtime.LinkingModels;
import dev.mmel.model.runtime.SessionSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Encodes a batch of entities with the exported MMoE entity encoder: each entity prepared (text
 * tokenised, image preprocessed), then one call of the model. The job's operator and the
 * benchmark's plain loop share it, so both do exactly the same work per entity.
 */
public final class EntityEncoder implements AutoCloseable {
  private final LinkingModel model;
  private final Consumer<UnreadableImage> onUnreadableImage;

  /**
   * Loads the model (files already verified when the job was built); {@code onUnreadableImage}
   * hears of each image that falls back to none.
   */
  public EntityEncoder(EncoderSettings settings, Consumer<UnreadableImage> onUnreadableImage)
      throws IOException {
    this.model = LinkingModels.open(Path.of(settings.modelDir()),
        new SessionSettings(settings.intraOpThreads(), 0, settings.device()), false);
    this.onUnreadableImage = onUnreadableImage;
  }

  public EntityEncodings encode(List<EntityRecord> entities) {
    List<PreparedInput> prepared = new ArrayList<>(entities.size());
    for (EntityRecord entity : entities) {
      prepared.add(prepare(entity));
    }
    return model.encodeEntities(prepared);
  }

  /** An unreadable image falls back to none (zeros), as a missing one does. */
  private PreparedInput prepare(EntityRecord entity) {
    EntityInput input = new EntityInput(entity.name(), entity.description(),
        entity.imageRef().isEmpty() ? ImageInput.none() : ImageInput.file(Path.of(entity.imageRef())));
    try {
      return model.prepareEntity(input);
    } catch (InvalidInputException e) {
      onUnreadableImage.accept(new UnreadableImage(entity.qid(), entity.imageRef(),
          e.getMessage()));
      try {
        return model.prepareEntity(new EntityInput(input.name(), input.description(),
            ImageInput.none()));
      } catch (InvalidInputException impossible) {
        throw new IllegalStateException("an entity without an image was refused", impossible);
      }
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
