package dev.mmel.retriever;

import java.util.Set;

/**
 * Restricts a search to some entities or away from some. Kept to what every store can evaluate
 * inside its ANN search (not after it), so top-K stays top-K among the allowed entities.
 */
public record EntityFilter(Set<String> onlyQids, Set<String> excludedQids) {
  public static final int MAX_QIDS = 10_000;
  private static final EntityFilter NONE = new EntityFilter(null, Set.of());

  public EntityFilter {
    if (onlyQids != null) {
      onlyQids = Set.copyOf(onlyQids);
      size("only_qids", onlyQids);
    }
    excludedQids = excludedQids == null ? Set.of() : Set.copyOf(excludedQids);
    size("excluded_qids", excludedQids);
  }

  public static EntityFilter none() {
    return NONE;
  }

  public static EntityFilter only(Set<String> qids) {
    return new EntityFilter(qids, Set.of());
  }

  public static EntityFilter excluding(Set<String> qids) {
    return new EntityFilter(null, qids);
  }

  public boolean isNone() {
    return onlyQids == null && excludedQids.isEmpty();
  }

  public boolean allows(String qid) {
    return (onlyQids == null || onlyQids.contains(qid)) && !excludedQids.contains(qid);
  }

  private static void size(String field, Set<String> qids) {
    if (qids.size() > MAX_QIDS) {
      throw new IllegalArgumentException(field + " holds " + qids.size() + " QIDs; at most "
          + MAX_QIDS);
    }
  }
}
