package dev.mmel.pipeline;

import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.InvalidImageException;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.runtime.EntityEncodings;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a batch of entities with the exported MMoE entity encoder: their texts tokenized,
 * their images preprocessed, one call of the model. The job's operator and the benchmark's plain
 * loop share it, so both do exactly the same work per entity.
 */
final class EntityEncoder implements AutoCloseable {
  private final MmoeModel model;
  private final TextTokenizer tokenizer;
  private final ImagePreprocessor images = ImagePreprocessor.clip();
  private final Runnable onUnreadableImage;

  /**
   * Loads the model (files already verified when the job was built) and the tokenizer its
   * config names, from the directory's vocabulary;
   * {@code onUnreadableImage} hears of each image that falls back to none.
   */
  EntityEncoder(EncoderSettings settings, Runnable onUnreadableImage) throws IOException {
    Path modelDir = Path.of(settings.modelDir());
    this.model = MmoeModel.load(modelDir,
        new SessionSettings(settings.intraOpThreads(), 0, settings.device()), false);
    this.tokenizer = new ModelDirectory(modelDir).tokenizer();
    this.onUnreadableImage = onUnreadableImage;
  }

  EntityEncodings encode(List<EntityToEncode> entities) {
    int n = entities.size();
    List<String> texts = new ArrayList<>(n);
    float[][] pixels = new float[n][];
    for (int i = 0; i < n; i++) {
      EntityToEncode entity = entities.get(i);
      texts.add(LinkingTexts.entity(entity.name(), entity.description()));
      // A text-only model ignores images: not decoding them saves the job that work.
      pixels[i] = model.config().hasVision() ? image(entity.imagePath()) : null;
    }
    return model.encodeEntities(
        tokenizer.encodeBatch(texts, model.config().contextLength()), pixels);
  }

  /** An unreadable image falls back to none (zeros), as a missing one does. */
  private float[] image(String path) {
    if (path == null) {
      return null;
    }
    try {
      return images.preprocess(Path.of(path));
    } catch (IOException | InvalidImageException e) {
      onUnreadableImage.run();
      return null;
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
