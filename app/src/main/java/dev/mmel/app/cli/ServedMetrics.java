package dev.mmel.app.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of served ranks, where 0 marks a gold entity the ANN search did not retrieve: it counts
 * as a miss at every cut-off and adds nothing to the MRR (percent, as spec 8's).
 */
record ServedMetrics(int mentions, double hits1, double hits5, double mrr, int notRetrieved,
    int rerankedBelow) {

  static ServedMetrics of(int[] ranks) {
    if (ranks.length == 0) {
      throw new IllegalArgumentException("no mentions to measure");
    }
    int hits1 = 0;
    int hits5 = 0;
    int notRetrieved = 0;
    double reciprocal = 0;
    for (int rank : ranks) {
      if (rank == 0) {
        notRetrieved++;
        continue;
      }
      hits1 += rank == 1 ? 1 : 0;
      hits5 += rank <= 5 ? 1 : 0;
      reciprocal += 1.0 / rank;
    }
    double n = ranks.length;
    return new ServedMetrics(ranks.length, 100 * hits1 / n, 100 * hits5 / n,
        100 * reciprocal / n, notRetrieved, ranks.length - hits1 - notRetrieved);
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("mentions", mentions);
    json.put("hits_at_1", hits1);
    json.put("hits_at_5", hits5);
    json.put("mrr", mrr);
    json.put("gold_not_retrieved", notRetrieved);
    json.put("gold_reranked_below_first", rerankedBelow);
    return json;
  }
}
