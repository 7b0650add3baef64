package dev.mmel.model.eval;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.frozen.FrozenTextSource;
import dev.mmel.model.frozen.TextFeatureCache;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The untrained baseline: rank by the cosine of the backbone's pooled vectors (already
 * L2-normalised), every mention against the whole KB, same rank rule as spec 8.
 */
public final class DualEncoderRanker {
  private static final int CHUNK = 1024;

  private final TextFeatureCache cache;

  public DualEncoderRanker(TextFeatureCache cache) {
    this.cache = cache;
  }

  public int[] rank(List<KbEntity> kb, List<LabelledMention> mentions, ProgressListener progress)
      throws IOException {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < kb.size(); i++) {
      index.put(kb.get(i).qid(), i);
    }
    float[] q = cache.readPooled(mentions.stream().map(FrozenTextSource::mentionText).toList());
    int width = q.length / Math.max(1, mentions.size());
    float[] answers = cache.readPooled(mentions.stream()
        .map(m -> FrozenTextSource.entityText(kb.get(index.get(m.answerQid())))).toList());
    float[] gold = new float[mentions.size()];
    for (int b = 0; b < mentions.size(); b++) {
      gold[b] = dot(q, b * width, answers, b * width, width);
    }
    long[] higher = new long[mentions.size()];
    for (int start = 0; start < kb.size(); start += CHUNK) {
      int end = Math.min(kb.size(), start + CHUNK);
      float[] e = cache.readPooled(kb.subList(start, end).stream()
          .map(FrozenTextSource::entityText).toList());
      for (int b = 0; b < mentions.size(); b++) {
        int goldIndex = index.get(mentions.get(b).answerQid());
        for (int j = 0; j < end - start; j++) {
          if (start + j != goldIndex && dot(q, b * width, e, j * width, width) > gold[b]) {
            higher[b]++;
          }
        }
      }
      progress.count(end, kb.size(), "entities");
    }
    int[] ranks = new int[mentions.size()];
    for (int b = 0; b < ranks.length; b++) {
      ranks[b] = Math.toIntExact(1 + higher[b]);
    }
    return ranks;
  }

  private static float dot(float[] a, int aOffset, float[] b, int bOffset, int width) {
    float sum = 0;
    for (int i = 0; i < width; i++) {
      sum += a[aOffset + i] * b[bOffset + i];
    }
    return sum;
  }
}
