package dev.mmel.model.train;

import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.InvalidImageException;
import dev.mmel.model.text.TextTokenizer;
import dev.mmel.model.text.LinkingTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inputs for end-to-end CLIP training and evaluation: token ids of spec 2's texts and
 * preprocessed pixels, exactly as serving and the index job prepare them. A missing image is
 * none (zeros); an image present but undecodable is none too, and counted.
 */
public final class ClipSideSource implements SideBatchSource {
  private final TextTokenizer tokenizer;
  private final int contextLength;
  private final ImagePreprocessor images;
  private final AtomicLong unreadable = new AtomicLong();

  public ClipSideSource(TextTokenizer tokenizer, int contextLength, ImagePreprocessor images) {
    this.tokenizer = tokenizer;
    this.contextLength = contextLength;
    this.images = images;
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
    if (path == null) {
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
