package dev.mmel.model.frozen;

import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.features.SideBatchSource;
import dev.mmel.model.graph.SideBatch;
import dev.mmel.model.text.LinkingTexts;
import java.io.IOException;
import java.util.List;

/**
 * Inputs for a matcher over a frozen text backbone: cached text features, and no image side
 * (the graph feeds zeros), as bge-small has no image tower.
 */
public final class FrozenTextSource implements SideBatchSource {
  private final TextFeatureCache cache;

  public FrozenTextSource(TextFeatureCache cache) {
    this.cache = cache;
  }

  public TextFeatureCache cache() {
    return cache;
  }

  public static String entityText(KbEntity entity) {
    return LinkingTexts.entity(entity.name(), entity.description());
  }

  public static String mentionText(LabelledMention mention) {
    return LinkingTexts.mention(mention.mention(), mention.sentence(), mention.description());
  }

  @Override
  public SideBatch entities(List<KbEntity> entities) throws IOException {
    return features(cache.read(entities.stream().map(FrozenTextSource::entityText).toList()));
  }

  @Override
  public SideBatch mentions(List<LabelledMention> mentions) throws IOException {
    return features(cache.read(mentions.stream().map(FrozenTextSource::mentionText).toList()));
  }

  @Override
  public long unreadableImages() {
    return 0;
  }

  private static SideBatch features(BgeFeatures f) {
    return new SideBatch.Features(f.count(), f.pooled(), f.tokens(), null, null);
  }
}
