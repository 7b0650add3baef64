package dev.mmel.model.features;

import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.InvalidImageException;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.text.LinkingTexts;
import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inputs for end-to-end CLIP training and evaluation: token ids of spec 2's texts and
 * preprocessed pixels, exactly as serving and the index job prepare them. A missing image is
 * none (zeros); an image present but undecodable is none too, and counted.
 */
public final class TokenSideSource implements SideBatchSource {
  private final TextTokenizer tokenizer;
  private final int contextLength;
  private final ImagePreprocessor images;
  private final AtomicLong unreadable = new AtomicLong();

  /** @param images null for a text-only model */
  public TokenSideSource(TextTokenizer tokenizer, int contextLength, ImagePreprocessor images) {
    this.tokenizer = tokenizer;
    this.contextLength = contextLength;
    this.images = images;
  }

  /**
   * The inputs of the model in this directory: its tokenizer and text normalisation, context
   * length and image preprocessing, as the index job and serving prepare them.
   */
  public static TokenSideSource forModel(ModelDirectory directory) throws IOException {
    ModelConfig config = directory.readConfig();
    return new TokenSideSource(directory.tokenizer(), config.contextLength(),
        config.hasVision() ? ImagePreprocessor.forConfig(config) : null);
  }

  @Override
  public SideBatch entities(List<KbEntity> entities) {
    float[][] pixels = new float[entities.size()][];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = image(entities.get(i).imagePath() == null ? null
          : Path.of(entities.get(i).imagePath()));
    }
    return new SideBatch.Tokens(tokenizer.encodeBatch(entities.stream()
        .map(e -> LinkingTexts.entity(e.name(), e.description())).toList(), contextLength),
        pixels);
  }

  @Override
  public SideBatch mentions(List<LabelledMention> mentions) {
    float[][] pixels = new float[mentions.size()][];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = image(mentions.get(i).imagePath());
    }
    return new SideBatch.Tokens(tokenizer.encodeBatch(mentions.stream()
        .map(m -> LinkingTexts.mention(m.mention(), m.sentence(), m.description())).toList(),
        contextLength), pixels);
  }

  private float[] image(Path path) {
    // A text-only model (no preprocessor) takes no images.
    if (path == null || images == null) {
      return null;
    }
    try {
      return images.preprocess(path);
    } catch (IOException | InvalidImageException e) {
      unreadable.incrementAndGet();
      return null;
    }
  }

  @Override
  public long unreadableImages() {
    return unreadable.get();
  }
}
