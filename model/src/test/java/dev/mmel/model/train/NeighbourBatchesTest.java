package dev.mmel.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.LabelledMention;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NeighbourBatchesTest {
  private static final int CLUSTERS = 6;
  private static final int PER_CLUSTER = 8;
  private static final int DIM = 16;

  /** Entities in six tight clusters on orthogonal axes; one or two mentions per entity. */
  private static final class Data {
    final List<LabelledMention> train = new ArrayList<>();
    final Map<String, float[]> vectors = new HashMap<>();
    final Map<String, Integer> cluster = new HashMap<>();

    Data() {
      Random random = new Random(7);
      for (int c = 0; c < CLUSTERS; c++) {
        for (int i = 0; i < PER_CLUSTER; i++) {
          String qid = "Q" + (c * 100 + i);
          float[] v = new float[DIM];
          v[c] = 1;
          for (int d = 0; d < DIM; d++) {
            v[d] += 0.05f * (float) random.nextGaussian();
          }
          normalise(v);
          vectors.put(qid, v);
          cluster.put(qid, c);
          int mentions = 1 + (i % 2);
          for (int m = 0; m < mentions; m++) {
            train.add(new LabelledMention(qid + "-" + m, "m", "s", "", qid, null));
          }
        }
      }
    }
  }

  private static void normalise(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    for (int d = 0; d < v.length; d++) {
      v[d] /= (float) Math.sqrt(norm);
    }
  }

  private static NeighbourBatches order(Data data, int batch, int group) {
    return NeighbourBatches.of(data.train, data.vectors, batch, group, 43, ProgressListener.NONE);
  }

  @Test
  void everyMentionExactlyOncePerEpochInBatchesOfAtMostTheBatchSize() {
    Data data = new Data();
    List<List<LabelledMention>> batches = order(data, 8, 4).batches(data.train, 1);
    Map<LabelledMention, Integer> seen = new IdentityHashMap<>();
    for (List<LabelledMention> batch : batches) {
      assertTrue(batch.size() <= 8 && batch.size() >= 2, "batch of " + batch.size());
      batch.forEach(m -> seen.merge(m, 1, Integer::sum));
    }
    assertEquals(data.train.size(), seen.size());
    assertTrue(seen.values().stream().allMatch(n -> n == 1));
  }

  @Test
  void nearestNeighboursComeFromTheSameClusterNearestFirst() {
    Data data = new Data();
    NeighbourBatches order = order(data, 8, 4);
    for (String qid : data.vectors.keySet()) {
      List<String> near = order.neighboursOf(qid);
      assertEquals(16, near.size(), "4 x group size, capped by the gold count");
      assertTrue(!near.contains(qid));
      for (int i = 0; i < PER_CLUSTER - 1; i++) {
        assertEquals(data.cluster.get(qid), data.cluster.get(near.get(i)),
            qid + "'s neighbour " + i + " is " + near.get(i));
      }
      for (int i = 1; i < near.size(); i++) {
        assertTrue(dot(data.vectors.get(qid), data.vectors.get(near.get(i - 1)))
            >= dot(data.vectors.get(qid), data.vectors.get(near.get(i))));
      }
    }
  }

  @Test
  void groupsHoldNeighbouringGoldsWhereShuffledBatchesMixClusters() {
    Data data = new Data();
    double grouped = sameClusterShare(order(data, 8, 8).batches(data.train, 1), data);
    double shuffled = sameClusterShare(new ShuffledBatches(8, 43).batches(data.train, 1), data);
    // Shuffling puts about 1 in 6 pairs in one cluster; groups of 8 put most pairs there.
    assertTrue(shuffled < 0.35, "shuffled " + shuffled);
    assertTrue(grouped > 0.7, "grouped " + grouped);
  }

  @Test
  void noGroupHoldsOneEntityTwice() {
    Data data = new Data();
    for (List<LabelledMention> batch : order(data, 4, 4).batches(data.train, 3)) {
      Set<String> golds = new HashSet<>();
      long distinct = batch.stream().map(LabelledMention::answerQid).filter(golds::add).count();
      // A batch of 4 is one group unless a short group straddles it.
      assertTrue(distinct >= batch.size() - 1, "batch " + batch);
    }
  }

  @Test
  void theOrderDependsOnlyOnSeedAndEpoch() {
    Data data = new Data();
    List<List<LabelledMention>> first = order(data, 8, 4).batches(data.train, 2);
    assertEquals(first, order(data, 8, 4).batches(data.train, 2));
    assertNotEquals(first, order(data, 8, 4).batches(data.train, 3));
  }

  @Test
  void rejectsAGroupSizeOutsideTwoToTheBatchSize() {
    Data data = new Data();
    IllegalArgumentException tooBig =
        assertThrows(IllegalArgumentException.class, () -> order(data, 8, 9));
    assertTrue(tooBig.getMessage().contains("--hard-negatives"), tooBig.getMessage());
    assertThrows(IllegalArgumentException.class, () -> order(data, 8, 1));
  }

  private static double sameClusterShare(List<List<LabelledMention>> batches, Data data) {
    long same = 0;
    long pairs = 0;
    for (List<LabelledMention> batch : batches) {
      for (int i = 0; i < batch.size(); i++) {
        for (int j = i + 1; j < batch.size(); j++) {
          pairs++;
          if (data.cluster.get(batch.get(i).answerQid())
              .equals(data.cluster.get(batch.get(j).answerQid()))) {
            same++;
          }
        }
      }
    }
    return (double) same / pairs;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
