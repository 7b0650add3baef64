package dev.mmel.model.train;

import dev.mmel.model.data.LabelledMention;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Spec 7's batches: the training set shuffled with the run's seed and the epoch, cut in order. */
public final class ShuffledBatches implements BatchOrder {
  private final int batchSize;
  private final long seed;

  public ShuffledBatches(int batchSize, long seed) {
    this.batchSize = batchSize;
    this.seed = seed;
  }

  @Override
  public List<List<LabelledMention>> batches(List<LabelledMention> train, int epoch) {
    List<LabelledMention> order = new ArrayList<>(train);
    Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
    return cut(order, batchSize);
  }

  @Override
  public String describe() {
    return "shuffled batches";
  }

  /** Consecutive batches of {@code size}; a last batch of one is dropped (no negatives). */
  static List<List<LabelledMention>> cut(List<LabelledMention> order, int size) {
    List<List<LabelledMention>> batches = new ArrayList<>();
    for (int start = 0; start + 1 < order.size(); start += size) {
      batches.add(List.copyOf(order.subList(start, Math.min(order.size(), start + size))));
    }
    return batches;
  }
}
