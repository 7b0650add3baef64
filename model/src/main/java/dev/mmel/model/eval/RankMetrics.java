package dev.mmel.model.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Spec 8's metrics from ranks (1 = best): Hits@1/3/5/10/20 (percent), mean rank, MRR (percent). */
public record RankMetrics(int mentions, double hits1, double hits3, double hits5, double hits10,
    double hits20, double meanRank, double mrr) {

  public static RankMetrics of(int[] ranks) {
    if (ranks.length == 0) {
      throw new IllegalArgumentException("no ranked mentions: the split has no usable mention");
    }
    int[] hits = new int[5];
    int[] cutoffs = {1, 3, 5, 10, 20};
    double rankSum = 0;
    double reciprocalSum = 0;
    for (int rank : ranks) {
      if (rank < 1) {
        throw new IllegalArgumentException("ranks start at 1, got " + rank);
      }
      for (int i = 0; i < cutoffs.length; i++) {
        if (rank <= cutoffs[i]) {
          hits[i]++;
        }
      }
      rankSum += rank;
      reciprocalSum += 1.0 / rank;
    }
    double n = ranks.length;
    return new RankMetrics(ranks.length, 100 * hits[0] / n, 100 * hits[1] / n, 100 * hits[2] / n,
        100 * hits[3] / n, 100 * hits[4] / n, rankSum / n, 100 * reciprocalSum / n);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("mentions", mentions);
    json.put("hits_at_1", hits1);
    json.put("hits_at_3", hits3);
    json.put("hits_at_5", hits5);
    json.put("hits_at_10", hits10);
    json.put("hits_at_20", hits20);
    json.put("mean_rank", meanRank);
    json.put("mrr", mrr);
    return json;
  }

  public String table() {
    return String.format(java.util.Locale.ROOT,
        "| mentions | H@1 | H@3 | H@5 | H@10 | H@20 | MR | MRR |%n"
            + "|---|---|---|---|---|---|---|---|%n"
            + "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f |%n",
        mentions, hits1, hits3, hits5, hits10, hits20, meanRank, mrr);
  }
}
