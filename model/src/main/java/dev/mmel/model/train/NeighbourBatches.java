package dev.mmel.model.train;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.eval.InnerProduct;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Batches whose in-batch negatives are hard: each batch is built from groups of
 * {@code groupSize} mentions whose gold entities are near neighbours of each other in a fixed
 * vector space (the frozen backbone's pooled vectors), so every mention meets entities that
 * resemble its own. With shuffled batches of 32 out of thousands of entities the four
 * cross-entropy terms are almost zero after one epoch and the matcher stops learning; the
 * objective itself (spec 7) is unchanged, only which negatives share a batch.
 *
 * <p>A group starts at a random unused mention (the anchor) and takes one unused mention for
 * each of the anchor's nearest gold entities in turn, so a group never holds one entity twice.
 * Groups are shuffled and cut into batches; every mention is used exactly once per epoch and
 * the order depends only on the seed and the epoch.
 */
public final class NeighbourBatches implements BatchOrder {
  private final int batchSize;
  private final int groupSize;
  private final long seed;
  /** For each gold entity of the training set, its nearest other gold entities, nearest first. */
  private final Map<String, List<String>> neighbours;

  private NeighbourBatches(int batchSize, int groupSize, long seed,
      Map<String, List<String>> neighbours) {
    this.batchSize = batchSize;
    this.groupSize = groupSize;
    this.seed = seed;
    this.neighbours = neighbours;
  }

  /**
   * @param vectors L2-normalised vector of each gold entity of {@code train}, by QID
   */
  public static NeighbourBatches of(List<LabelledMention> train, Map<String, float[]> vectors,
      int batchSize, int groupSize, long seed, ProgressListener progress) {
    if (groupSize < 2 || groupSize > batchSize) {
      throw new IllegalArgumentException("--hard-negatives must be within 2..batch size ("
          + batchSize + "), got " + groupSize);
    }
    List<String> golds = train.stream().map(LabelledMention::answerQid).distinct().toList();
    for (String qid : golds) {
      if (!vectors.containsKey(qid)) {
        throw new IllegalArgumentException("no vector for gold entity " + qid);
      }
    }
    // Some neighbours have no unused mention left late in an epoch; a margin keeps groups full.
    int wanted = Math.min(golds.size() - 1, 4 * groupSize);
    progress.step(String.format(java.util.Locale.ROOT,
        "nearest %d gold entities of each of %,d gold entities", wanted, golds.size()));
    float[][] rows = golds.stream().map(vectors::get).toArray(float[][]::new);
    List<List<String>> nearest = IntStream.range(0, rows.length).parallel()
        .mapToObj(i -> nearest(rows, i, wanted).stream().map(golds::get).toList()).toList();
    Map<String, List<String>> neighbours = new HashMap<>();
    for (int i = 0; i < golds.size(); i++) {
      neighbours.put(golds.get(i), nearest.get(i));
    }
    return new NeighbourBatches(batchSize, groupSize, seed, neighbours);
  }

  private static List<Integer> nearest(float[][] rows, int row, int wanted) {
    PriorityQueue<double[]> best = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0]));
    float[] query = rows[row];
    for (int j = 0; j < rows.length; j++) {
      if (j == row) {
        continue;
      }
      double score = InnerProduct.dot(query, rows[j]);
      if (best.size() < wanted) {
        best.add(new double[] {score, j});
      } else if (score > best.peek()[0]) {
        best.poll();
        best.add(new double[] {score, j});
      }
    }
    List<double[]> sorted = new ArrayList<>(best);
    sorted.sort((a, b) -> a[0] != b[0] ? Double.compare(b[0], a[0]) : Double.compare(a[1], b[1]));
    return sorted.stream().map(entry -> (int) entry[1]).toList();
  }

  /** The gold entities nearest to {@code qid}'s, nearest first. */
  List<String> neighboursOf(String qid) {
    return neighbours.getOrDefault(qid, List.of());
  }

  @Override
  public List<List<LabelledMention>> batches(List<LabelledMention> train, int epoch) {
    Random random = new Random(seed * 1_000_003L + epoch);
    List<Integer> anchors = new ArrayList<>(IntStream.range(0, train.size()).boxed().toList());
    Collections.shuffle(anchors, random);
    Map<String, ArrayDeque<Integer>> unusedByGold = new HashMap<>();
    for (int index : anchors) {
      unusedByGold.computeIfAbsent(train.get(index).answerQid(), q -> new ArrayDeque<>())
          .add(index);
    }
    boolean[] used = new boolean[train.size()];
    List<List<LabelledMention>> groups = new ArrayList<>();
    for (int anchor : anchors) {
      if (used[anchor]) {
        continue;
      }
      used[anchor] = true;
      List<LabelledMention> group = new ArrayList<>(groupSize);
      group.add(train.get(anchor));
      for (String qid : neighboursOf(train.get(anchor).answerQid())) {
        if (group.size() == groupSize) {
          break;
        }
        Integer next = pollUnused(unusedByGold.get(qid), used);
        if (next != null) {
          used[next] = true;
          group.add(train.get(next));
        }
      }
      groups.add(group);
    }
    Collections.shuffle(groups, random);
    List<LabelledMention> order = new ArrayList<>(train.size());
    groups.forEach(order::addAll);
    return ShuffledBatches.cut(order, batchSize);
  }

  private static Integer pollUnused(ArrayDeque<Integer> candidates, boolean[] used) {
    if (candidates == null) {
      return null;
    }
    while (!candidates.isEmpty()) {
      int next = candidates.poll();
      if (!used[next]) {
        return next;
      }
    }
    return null;
  }

  @Override
  public String describe() {
    return "hard batches: groups of " + groupSize + " mentions with neighbouring gold entities";
  }
}
