package dev.mmel.model.frozen;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Fills a frozen backbone's feature cache for a KB and some mentions, once, with progress. */
public final class FrozenTextFeatures {
  private FrozenTextFeatures() {}

  /** The source over a filled cache, and the backbone's weights id. */
  public record Prepared(FrozenTextSource source, String backboneId, int cachedTexts) {}

  public static Prepared prepare(Path cacheRoot, FrozenBackbone backbone, List<KbEntity> kb,
      List<LabelledMention> mentions, ProgressListener progress) throws IOException {
    TextFeatureCache cache = TextFeatureCache.open(cacheRoot, backbone.id(), backbone.width(),
        backbone.positions(), backbone.servedAsExported());
    List<String> texts = new ArrayList<>(kb.size() + mentions.size());
    kb.forEach(entity -> texts.add(FrozenTextSource.entityText(entity)));
    mentions.forEach(mention -> texts.add(FrozenTextSource.mentionText(mention)));
    cache.fill(texts, backbone::encode, progress.task(backbone.id() + " features, "
        + cache.describeFormat() + " -> " + cache.directory()));
    return new Prepared(new FrozenTextSource(cache), backbone.id(), cache.size());
  }

  /** {@link #prepare} over the int8 bge-small ONNX backbone. */
  public static Prepared prepareOnnx(Path cacheRoot, int positions, int threads,
      List<KbEntity> kb, List<LabelledMention> mentions, ProgressListener progress)
      throws IOException {
    try (OnnxBgeBackbone backbone = OnnxBgeBackbone.open(positions, threads)) {
      return prepare(cacheRoot, backbone, kb, mentions, progress);
    }
  }
}
