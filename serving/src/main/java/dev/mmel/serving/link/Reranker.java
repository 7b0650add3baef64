package dev.mmel.serving.link;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityEncodings;
import dev.mmel.core.IndexSchema;
import dev.mmel.core.LinkingModel;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.Scores;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The full MMoE score S = F + I of a mention against its retrieved candidates (the model's
 * score_candidates), best first. F is recomputed from the stored retrieval vectors, so the
 * parts add up exactly whatever rounding the store's search score had.
 */
final class Reranker {
  private Reranker() {}

  static List<LinkedEntity> rerank(LinkingModel model, IndexSchema schema,
      MentionEncodings mention, List<EncodedEntity> candidates) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    Scores scores = model.scoreCandidates(mention,
        EntityEncodings.of(candidates, schema), candidates.size());
    float[] query = mention.query();
    List<LinkedEntity> ranked = new ArrayList<>(candidates.size());
    for (int k = 0; k < candidates.size(); k++) {
      EncodedEntity candidate = candidates.get(k);
      ranked.add(new LinkedEntity(candidate.record(), scores.total()[k], scores.text()[k],
          scores.image()[k], scores.cross()[k], dot(query, candidate.retrieval())));
    }
    ranked.sort(Comparator.comparingDouble(LinkedEntity::score).reversed()
        .thenComparing(e -> e.entity().qid()));
    return ranked;
  }

  private static float dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (double) a[i] * b[i];
    }
    return (float) sum;
  }
}
