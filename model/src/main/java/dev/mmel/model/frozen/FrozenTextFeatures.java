package dev.mmel.model.frozen;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.bge.BgeSmallEncoder;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Fills the bge-small feature cache for a KB and some mentions, once, with progress. */
public final class FrozenTextFeatures {
  private FrozenTextFeatures() {}

  /** The source over a filled cache, and the backbone's weights id. */
  public record Prepared(FrozenTextSource source, String backboneId, int cachedTexts) {}

  public static Prepared prepare(Path cacheRoot, int positions, int threads, List<KbEntity> kb,
      List<LabelledMention> mentions, ProgressListener progress) throws IOException {
    // Each text runs alone (see BgeSmallEncoder), so parallel single-threaded calls use the
    // cores better than one multi-threaded call.
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (BgeSmallEncoder encoder = BgeSmallEncoder.open(positions, 1)) {
      TextFeatureCache cache = TextFeatureCache.open(cacheRoot, encoder.modelId(),
          BgeSmallEncoder.WIDTH, positions);
      List<String> texts = new ArrayList<>(kb.size() + mentions.size());
      kb.forEach(entity -> texts.add(FrozenTextSource.entityText(entity)));
      mentions.forEach(mention -> texts.add(FrozenTextSource.mentionText(mention)));
      cache.fill(texts, batch -> encodeInParallel(encoder, batch, pool, threads),
          progress.task("bge-small features, " + cache.describeFormat() + " -> "
              + cache.directory()));
      return new Prepared(new FrozenTextSource(cache), encoder.modelId(), cache.size());
    } finally {
      pool.shutdownNow();
    }
  }

  private static BgeFeatures encodeInParallel(BgeSmallEncoder encoder, List<String> texts,
      ExecutorService pool, int parts) {
    int per = (texts.size() + parts - 1) / parts;
    List<Future<BgeFeatures>> futures = new ArrayList<>();
    for (int start = 0; start < texts.size(); start += per) {
      List<String> part = texts.subList(start, Math.min(texts.size(), start + per));
      futures.add(pool.submit(() -> encoder.encode(part)));
    }
    int width = BgeSmallEncoder.WIDTH;
    int positions = encoder.positions();
    float[] pooled = new float[texts.size() * width];
    float[] tokens = new float[texts.size() * positions * width];
    int row = 0;
    for (Future<BgeFeatures> future : futures) {
      BgeFeatures f;
      try {
        f = future.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while encoding", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("bge-small encoding failed: " + e.getCause(), e.getCause());
      }
      System.arraycopy(f.pooled(), 0, pooled, row * width, f.pooled().length);
      System.arraycopy(f.tokens(), 0, tokens, row * positions * width, f.tokens().length);
      row += f.count();
    }
    return new BgeFeatures(texts.size(), positions, width, pooled, tokens);
  }
}
